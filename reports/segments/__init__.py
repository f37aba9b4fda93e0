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

from . import clusters, derive, rules, sorting, tables, types
from .clusters import *  # noqa: F403 - the package's names are its modules' `__all__`
from .derive import *  # noqa: F403
from .rules import *  # noqa: F403
from .sorting import *  # noqa: F403
from .tables import *  # noqa: F403
from .types import *  # noqa: F403

__all__ = [
    *types.__all__,
    *rules.__all__,
    *derive.__all__,
    *tables.__all__,
    *clusters.__all__,
    *sorting.__all__,
]
