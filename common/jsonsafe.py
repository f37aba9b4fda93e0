"""One JSON-safe converter for the whole project: nested values in, plain JSON types out.

Used by the engine (artifacts, metrics), the ingest core (quality reports stored in JSON
columns), exports and the API renderer. Imports numpy and pandas only (no Django), so both pure
cores may import it.
"""

import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd


def json_safe(value: Any, *, iso_dates: bool = True, strip_nul: bool = False) -> Any:
    """Nested dicts/lists/tuples/arrays as plain Python: numpy and pandas scalars unwrapped,
    NaN, infinities, None, NaT and NA as None, dict keys as text.

    `iso_dates`: dates and datetimes become ISO text (False leaves them to a JSON encoder that
    formats them itself, as DRF's does). `strip_nul`: NUL characters are removed from text
    (PostgreSQL's jsonb cannot hold them)."""
    if isinstance(value, dict):
        return {
            str(key): json_safe(item, iso_dates=iso_dates, strip_nul=strip_nul)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [json_safe(item, iso_dates=iso_dates, strip_nul=strip_nul) for item in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist(), iso_dates=iso_dates, strip_nul=strip_nul)
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if iso_dates and isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if strip_nul and isinstance(value, str):
        return value.replace("\x00", "")
    return value
