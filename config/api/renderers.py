"""JSON rendering that never emits NaN or Infinity (invalid JSON): they become null."""

import math
from typing import Any

import numpy as np
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder


def json_safe(value: Any) -> Any:
    """Recursively replace NaN/inf with None and numpy scalars/arrays with Python values."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class SafeJSONEncoder(JSONEncoder):
    def default(self, obj: Any) -> Any:
        if isinstance(obj, np.generic | np.ndarray):
            return json_safe(obj)
        return super().default(obj)


class SafeJSONRenderer(JSONRenderer):
    encoder_class = SafeJSONEncoder

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        return super().render(json_safe(data), accepted_media_type, renderer_context)
