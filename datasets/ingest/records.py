"""Rows of a typed table as JSON-safe dicts: what the API shows as a customer's attributes.

In: a pyarrow Table (a slice of the Parquet copy). Out: one dict per row, column -> value, in
column order: numbers as numbers, text with NUL removed, dates as ISO text, and missing values,
NaN and infinities as None, so that strict JSON accepts every value."""

from typing import Any

import pyarrow as pa

from common.jsonsafe import json_safe


def json_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Each row of `table` as a JSON-safe dict."""
    return [json_safe(row, strip_nul=True) for row in table.to_pylist()]
