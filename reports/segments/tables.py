"""Segment tables (one row per segment: counts and averages) and their plain records.
Pure pandas/numpy."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .derive import DerivedCustomers, derive_customers
from .rules import SegmentRules
from .types import KEY_COLUMNS

__all__ = ["AGGREGATES", "round_or_none", "segment_table", "segment_table_from", "table_records"]

AGGREGATES = (  # (output name, per-customer column, how): every one is a mean
    ("avg_purchase_amount", "purchase_amount", "mean"),
    ("avg_frequency", "purchase_frequency", "mean"),
    ("avg_yearly_spend", "yearly_spend", "mean"),
    ("avg_clv", "clv", "mean"),
    ("avg_income", "income", "mean"),
    ("avg_lifespan_years", "lifespan_years", "mean"),
    ("avg_age", "age", "mean"),
    ("avg_spending_score", "spending_score", "mean"),
)


def segment_table_from(derived: DerivedCustomers) -> pd.DataFrame:
    """One row per non-empty segment: key, total_customers, customer_percentage, averages, and
    `total_value` (sum of the per-customer value) when there is one. Segments keep their natural
    order (tiers best first, brackets low to high, names by size)."""
    data = derived.frame
    key = derived.key
    grouped = data.groupby(key, observed=True, sort=True, dropna=True)
    averaged = [(name, column) for name, column, _ in AGGREGATES if column in data]
    # One pass for every average (named aggregations would scan once per column).
    table = grouped[[column for _, column in averaged]].mean()
    table.columns = [name for name, _ in averaged]
    table.insert(0, "total_customers", grouped.size())
    if derived.value_column:
        table["total_value"] = grouped[derived.value_column].sum()
    table = table.reset_index()
    total = len(data)
    table.insert(2, "customer_percentage", table["total_customers"] * 100.0 / max(total, 1))
    if key in ("gender", "region"):
        table = table.sort_values(["total_customers", key], ascending=[False, True])
    table[key] = table[key].astype(object) if key != "cluster_id" else table[key].astype(int)
    return table.reset_index(drop=True)


def segment_table(
    frame: pd.DataFrame, *, segment_type: str, schema: list[dict], rules: SegmentRules
) -> pd.DataFrame:
    """The segment table of one type (see `segment_table_from`)."""
    derived = derive_customers(frame, segment_type=segment_type, schema=schema, rules=rules)
    return segment_table_from(derived)


def round_or_none(value: Any, digits: int = 2) -> Any:
    """A float rounded to `digits`; None for a missing or NaN value."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def table_records(table: pd.DataFrame, *, segment_type: str) -> list[dict[str, Any]]:
    """Plain records of a non-cluster table: key, `segment_name`, counts and rounded averages."""
    key = KEY_COLUMNS[segment_type]
    records = []
    for row in table.to_dict("records"):
        record: dict[str, Any] = {key: str(row[key]), "segment_name": str(row[key])}
        record["total_customers"] = int(row["total_customers"])
        record["customer_percentage"] = round_or_none(row["customer_percentage"], 1)
        for name, _, _ in AGGREGATES:
            if name in row:
                record[name] = round_or_none(row[name])
        if "total_value" in row:
            record["total_value"] = round_or_none(row["total_value"])
        records.append(record)
    return records
