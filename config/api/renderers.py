"""JSON rendering that never emits NaN or Infinity (invalid JSON): they become null."""

from functools import partial
from typing import Any

import numpy as np
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from common.jsonsafe import json_safe as _json_safe

# DRF's encoder formats dates itself; everything else goes through the one converter.
json_safe = partial(_json_safe, iso_dates=False)


class SafeJSONEncoder(JSONEncoder):
    def default(self, obj: Any) -> Any:
        if isinstance(obj, np.generic | np.ndarray):
            return json_safe(obj)
        return super().default(obj)


class SafeJSONRenderer(JSONRenderer):
    encoder_class = SafeJSONEncoder

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        return super().render(json_safe(data), accepted_media_type, renderer_context)
