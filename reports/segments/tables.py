"""Segment tables (one row per segment: counts and averages) and their plain records.
Pure pandas/numpy."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .derive import DerivedCustomers, derive_customers
from .rules import SegmentRules
from .types import KEY_COLUMNS

__all__ = [
    "AGGREGATES",
    "combine_segment_tables",
    "partial_segment_table",
    "round_or_none",
    "segment_table",
    "segment_table_from",
    "table_records",
]

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


def partial_segment_table(derived: DerivedCustomers) -> pd.DataFrame:
    """What one chunk of customers adds to a segment table, one row per key (customers without a
    segment in a row whose key is missing, so the total counts them): `count`, and for every
    `AGGREGATES` column the data has its sum (`<column>:sum`) and non-missing count
    (`<column>:n`), and `value:sum`, the sum of the per-customer value. Partials of any chunks
    add up (`combine_segment_tables`)."""
    data = derived.frame
    grouped = data.groupby(derived.key, observed=True, sort=False, dropna=False)
    columns = [column for _, column, _ in AGGREGATES if column in data]
    out = {"count": grouped.size()}
    if columns:
        # One pass for every sum and one for every count (not one scan per column).
        sums, counts = grouped[columns].sum(), grouped[columns].count()
        for column in columns:
            out[f"{column}:sum"] = sums[column]
            out[f"{column}:n"] = counts[column]
    if derived.value_column:
        out["value:sum"] = grouped[derived.value_column].sum()
    return pd.DataFrame(out).reset_index()


def combine_segment_tables(
    partials: list[pd.DataFrame], derived_like: DerivedCustomers
) -> pd.DataFrame:
    """The segment table (see `segment_table_from`) of the customers whose chunks gave `partials`
    (`partial_segment_table`); `derived_like` is any chunk's (or a sample's) derivation, for the
    key and its order. Averages are sums over non-missing counts: the whole table's means."""
    key = derived_like.key
    stacked = pd.concat(partials, ignore_index=True)
    keys = stacked[key]
    dtype = derived_like.frame[key].dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:  # brackets and tiers: rule order
        keys = keys.astype(object).astype(dtype)
    summed = stacked.drop(columns=[key]).groupby(keys, observed=True, sort=True, dropna=True).sum()
    table = pd.DataFrame({"total_customers": summed["count"]})
    for name, column, _ in AGGREGATES:
        if f"{column}:sum" in summed:
            table[name] = summed[f"{column}:sum"] / summed[f"{column}:n"].where(lambda n: n > 0)
    if "value:sum" in summed:
        table["total_value"] = summed["value:sum"]
    table = table.rename_axis(key).reset_index()
    total = int(stacked["count"].sum())
    table.insert(2, "customer_percentage", table["total_customers"] * 100.0 / max(total, 1))
    table[key] = table[key].astype(object) if key != "cluster_id" else table[key].astype(int)
    if key in ("gender", "region"):
        table = table.sort_values(["total_customers", key], ascending=[False, True])
    return table.reset_index(drop=True)


def segment_table_from(derived: DerivedCustomers) -> pd.DataFrame:
    """One row per non-empty segment: key, total_customers, customer_percentage, averages, and
    `total_value` (sum of the per-customer value) when there is one. Segments keep their natural
    order (tiers best first, brackets low to high, names by size). The table of one chunk:
    `combine_segment_tables` of its `partial_segment_table`."""
    return combine_segment_tables([partial_segment_table(derived)], derived)


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
