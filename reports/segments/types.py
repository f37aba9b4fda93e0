"""Segment types, the schema roles each needs, the column naming each segment, and the input error.
Pure: imports nothing from Django."""

from __future__ import annotations

__all__ = [
    "CLUSTER_ROLES",
    "KEY_COLUMNS",
    "REQUIRED_ROLES",
    "SEGMENT_TYPES",
    "VIEW_ROLES",
    "SegmentInputError",
    "check_known_type",
    "columns_needed",
    "require_roles",
    "role_columns",
]

SEGMENT_TYPES = (
    "gender",
    "region",
    "age_group",
    "income_bracket",
    "purchase_tier",
    "clv",
    "cluster",
)


REQUIRED_ROLES: dict[str, tuple[str, ...]] = {
    "gender": ("gender",),
    "region": ("region",),
    "age_group": ("age",),
    "income_bracket": ("income",),
    "purchase_tier": ("purchase_amount",),
    "clv": ("purchase_amount", "purchase_frequency", "tenure"),
    "cluster": (),
}

# The column naming each segment in a table (document 003 writes `clv_tier` for CLV).
KEY_COLUMNS = {
    "gender": "gender",
    "region": "region",
    "age_group": "age_group",
    "income_bracket": "income_bracket",
    "purchase_tier": "purchase_tier",
    "clv": "clv_tier",
    "cluster": "cluster_id",
}

# Roles read for every non-cluster view (document 003's averages: purchase amount, frequency,
# CLV, income, lifespan) and for the cluster view's detailed record.
VIEW_ROLES = ("income", "purchase_amount", "purchase_frequency", "tenure")
CLUSTER_ROLES = (
    "age",
    "gender",
    "region",
    "income",
    "spending_score",
    "purchase_amount",
    "purchase_frequency",
    "tenure",
)


class SegmentInputError(ValueError):
    """The dataset cannot give this segment view; the message says why, for the user."""


def role_columns(schema: list[dict]) -> dict[str, str]:
    """The first column of each semantic role in the schema (file order)."""
    columns: dict[str, str] = {}
    for column in schema:
        role = column.get("role")
        if role and role not in columns:
            columns[role] = column["name"]
    return columns


def columns_needed(*, segment_type: str, schema: list[dict]) -> list[str]:
    """The dataset columns a segment table of this type reads (required + optional aggregates),
    so a caller can load only those from the Parquet copy. Raises for a missing role."""
    roles = role_columns(schema)
    require_roles(segment_type, roles)
    if segment_type == "cluster":  # the detailed record profiles every role the data has
        wanted = list(CLUSTER_ROLES)
    else:  # document 003's averages, plus the type's own column
        wanted = [*REQUIRED_ROLES[segment_type], *VIEW_ROLES]
    return list(dict.fromkeys(roles[r] for r in wanted if r in roles))


def check_known_type(segment_type: str) -> None:
    """SegmentInputError naming the valid types when `segment_type` is none of them."""
    if segment_type not in SEGMENT_TYPES:
        raise SegmentInputError(
            f"Unknown segmentation type '{segment_type}'; choose one of {', '.join(SEGMENT_TYPES)}."
        )


def require_roles(segment_type: str, roles: dict[str, str]) -> None:
    check_known_type(segment_type)
    missing = [role for role in REQUIRED_ROLES[segment_type] if role not in roles]
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        raise SegmentInputError(
            f"Segmentation type '{segment_type}' needs a column with the role {names}, which "
            "this dataset does not have. Mark such a column in the dataset's schema or pick "
            "another type."
        )
