"""JSON rendering of the predictions API: a batch answer is 1,000 plain records."""

from typing import Any

from rest_framework.renderers import JSONRenderer

from config.api.renderers import SafeJSONRenderer


class PredictionJSONRenderer(SafeJSONRenderer):
    """SafeJSONRenderer's output, without its walk over every value when there is nothing to
    make safe. Everything these views answer has text keys (JSON objects, serializer fields), so
    the only values the walk would change are NaN and infinity, which strict JSON encoding
    refuses with ValueError: then the safe walk runs as for any other view. The walk alone was
    ~4.5 ms of a 1,000-customer batch answer (tests/benchmarks/bench_predict.py)."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        try:
            return JSONRenderer.render(self, data, accepted_media_type, renderer_context)
        except ValueError:  # NaN or infinity somewhere: null, as SafeJSONRenderer answers
            return super().render(data, accepted_media_type, renderer_context)
