"""Sorting segment records by a whitelisted field (`sort_by` of `GET /api/segments/{type}`)."""

from __future__ import annotations

from typing import Any

from .tables import AGGREGATES
from .types import KEY_COLUMNS, SegmentInputError

__all__ = ["CLUSTER_SORT_PATHS", "sort_records", "sortable_fields"]

CLUSTER_SORT_PATHS: dict[str, tuple[str, ...]] = {
    "cluster_id": ("cluster_id",),
    "cluster_priority": ("cluster_priority",),
    "customer_count": ("customer_count",),
    "total_customers": ("customer_count",),
    "customer_percentage": ("customer_percentage",),
    "avg_age": ("demographics", "avg_age"),
    "avg_income": ("financial_metrics", "avg_income"),
    "median_income": ("financial_metrics", "median_income"),
    "avg_purchase_amount": ("financial_metrics", "avg_purchase_amount"),
    "total_purchases": ("financial_metrics", "total_purchases"),
    "avg_frequency": ("financial_metrics", "avg_purchase_frequency"),
    "avg_purchase_frequency": ("financial_metrics", "avg_purchase_frequency"),
    "avg_clv": ("financial_metrics", "avg_clv"),
    "avg_lifespan_months": ("behavioral_metrics", "avg_customer_lifespan_months"),
    "avg_spending_score": ("behavioral_metrics", "avg_spending_score"),
}


def sortable_fields(segment_type: str) -> tuple[str, ...]:
    """Fields `sort_by` may name for this type (anything else is refused before sorting)."""
    if segment_type == "cluster":
        return tuple(CLUSTER_SORT_PATHS)
    key = KEY_COLUMNS[segment_type]
    averages = (name for name, _, _ in AGGREGATES)
    return (key, "segment_name", "total_customers", "customer_percentage", *averages, "total_value")


def sort_records(
    records: list[dict[str, Any]], *, segment_type: str, sort_by: str, descending: bool
) -> list[dict[str, Any]]:
    """Records sorted by a whitelisted field (`sortable_fields`); records without the value go
    last whatever the order. Raises `SegmentInputError` for any other field."""
    allowed = sortable_fields(segment_type)
    if sort_by not in allowed:
        raise SegmentInputError(
            f"Cannot sort {segment_type} segments by '{sort_by}'; "
            f"choose one of {', '.join(allowed)}."
        )
    path = CLUSTER_SORT_PATHS[sort_by] if segment_type == "cluster" else (sort_by,)

    def value(record: dict[str, Any]) -> Any:
        node: Any = record
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        return node

    present = [r for r in records if value(r) is not None]
    missing = [r for r in records if value(r) is None]
    return sorted(present, key=value, reverse=descending) + missing
