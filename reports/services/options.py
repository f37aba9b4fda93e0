"""What an export may ask for: its kind (`what`), filters and columns, checked before anything is
recorded; and the content type of each file format."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from clustering.models import ClusteringRun

from .. import segments

WHAT_ASSIGNMENTS = "assignments"
WHAT_REPORT = "report"
SEGMENT_PREFIX = "segments:"
SEGMENT_FILTERS = ("min_customers", "max_customers", "segments")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def what_kind(what: str) -> str:
    """`assignments`, `report` or `segments:` (any segment type); ValidationError otherwise."""
    if what in (WHAT_ASSIGNMENTS, WHAT_REPORT):
        return what
    if what.startswith(SEGMENT_PREFIX) and segment_type_of(what) in segments.SEGMENT_TYPES:
        return SEGMENT_PREFIX
    types = ", ".join(f"segments:{t}" for t in segments.SEGMENT_TYPES)
    raise ValidationError(
        {"what": f"Unknown export '{what}'; choose assignments, report or {types}."}
    )


def segment_type_of(what: str) -> str:
    """The segment type of a `segments:<type>` export."""
    return what[len(SEGMENT_PREFIX) :]


def validate_filters(filters: dict[str, Any]) -> None:
    """ValidationError naming an unknown filter or a malformed bound or segment list."""
    unknown = sorted(set(filters) - set(SEGMENT_FILTERS))
    if unknown:
        raise ValidationError(
            {
                "filters": f"Unknown filter(s) {', '.join(unknown)}; "
                f"use {', '.join(SEGMENT_FILTERS)}."
            }
        )
    for bound in ("min_customers", "max_customers"):
        value = filters.get(bound)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise ValidationError({"filters": f"{bound} must be a whole number of 0 or more."})
    if "segments" in filters and not (
        isinstance(filters["segments"], list)
        and all(isinstance(s, str) for s in filters["segments"])
    ):
        raise ValidationError({"filters": "segments must be a list of segment names."})


def check_columns(columns: list[str] | None, available: list[str]) -> None:
    """ValidationError naming the asked columns that are not among `available`."""
    if not columns:
        return
    unknown = [c for c in columns if c not in available]
    if unknown:
        raise ValidationError(
            {
                "columns": f"Unknown column(s) {', '.join(unknown)}; "
                f"available: {', '.join(available)}."
            }
        )


def assignment_columns(run: ClusteringRun) -> list[str]:
    """The columns of an assignments export: the dataset's, then cluster, name and confidence."""
    names = [c["name"] for c in run.dataset.schema or []]
    extra = [
        n if n not in names else f"{n}_assigned" for n in ("cluster", "cluster_name", "confidence")
    ]
    return names + extra
