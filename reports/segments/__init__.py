"""Rule-based segment views. Pure pandas: a customer frame + its schema + rules in, one row per
segment out. Imports pandas and numpy only; never reads Django settings (`SegmentRules` is passed
in, built from `settings.REPORT_SEGMENT_RULES` by `reports.selectors`).

Segment types and the schema roles they need:

- `gender` (gender), `region` (region), `age_group` (age), `income_bracket` (income),
  `purchase_tier` (purchase_amount), `clv` (purchase_amount, purchase_frequency, tenure),
  `cluster` (no role: the run's assignments, passed as a `cluster_label` column).

Purchase tiers bracket a customer's yearly spend (average purchase amount x purchase frequency)
when the dataset has a frequency column, else the average purchase amount alone.

Customer lifetime value (CLV) = average purchase amount x purchase frequency (a year) x lifespan
in years (the `tenure` column, in months unless its name says years). CLV tiers are quantiles of
the dataset's own CLV: Platinum, Gold, Silver, Bronze.

The row-level rules (`age_group_of`, `income_bracket_of`, `purchase_tier_of`, `clv_of`,
`clv_tier_of`) give one customer the same answer the vectorised tables give every customer.
"""

from .clusters import CLUSTER_NOISE_LABEL, cluster_details, cluster_records
from .derive import DerivedCustomers, derive_customers
from .rules import (
    BOTTOM_CLV_TIER,
    DEFAULT_AGE_GROUPS,
    DEFAULT_CLV_TIERS,
    DEFAULT_INCOME_BRACKETS,
    DEFAULT_PURCHASE_TIERS,
    INCOME_THOUSANDS_BELOW_MEDIAN,
    Bracket,
    SegmentRules,
    age_group_of,
    bracket_of,
    clv_of,
    clv_thresholds,
    clv_tier_of,
    income_bracket_of,
    income_scale,
    lifespan_years,
    purchase_tier_of,
)
from .sorting import CLUSTER_SORT_PATHS, sort_records, sortable_fields
from .tables import AGGREGATES, round_or_none, segment_table, segment_table_from, table_records
from .types import (
    CLUSTER_ROLES,
    KEY_COLUMNS,
    REQUIRED_ROLES,
    SEGMENT_TYPES,
    VIEW_ROLES,
    SegmentInputError,
    check_known_type,
    columns_needed,
    require_roles,
    role_columns,
)

__all__ = [
    "AGGREGATES",
    "BOTTOM_CLV_TIER",
    "CLUSTER_NOISE_LABEL",
    "CLUSTER_ROLES",
    "CLUSTER_SORT_PATHS",
    "DEFAULT_AGE_GROUPS",
    "DEFAULT_CLV_TIERS",
    "DEFAULT_INCOME_BRACKETS",
    "DEFAULT_PURCHASE_TIERS",
    "INCOME_THOUSANDS_BELOW_MEDIAN",
    "KEY_COLUMNS",
    "REQUIRED_ROLES",
    "SEGMENT_TYPES",
    "VIEW_ROLES",
    "Bracket",
    "DerivedCustomers",
    "SegmentInputError",
    "SegmentRules",
    "age_group_of",
    "bracket_of",
    "check_known_type",
    "cluster_details",
    "cluster_records",
    "clv_of",
    "clv_thresholds",
    "clv_tier_of",
    "columns_needed",
    "derive_customers",
    "income_bracket_of",
    "income_scale",
    "lifespan_years",
    "purchase_tier_of",
    "require_roles",
    "role_columns",
    "round_or_none",
    "segment_table",
    "segment_table_from",
    "sort_records",
    "sortable_fields",
    "table_records",
]
