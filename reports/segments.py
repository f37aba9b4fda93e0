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

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

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

CLUSTER_NOISE_LABEL = -1  # DBSCAN's group of points that belong to no cluster

# Incomes whose median is below this are taken to be in thousands (e.g. "Annual Income (k$)"):
# no one's yearly income is below 1,000 in any currency the brackets are written for.
INCOME_THOUSANDS_BELOW_MEDIAN = 1000


class SegmentInputError(ValueError):
    """The dataset cannot give this segment view; the message says why, for the user."""


@dataclass(frozen=True)
class Bracket:
    """A named range: values up to and including `upper` (None: no upper bound)."""

    upper: float | None
    label: str


DEFAULT_AGE_GROUPS = (
    Bracket(17, "Under 18"),
    Bracket(25, "18-25"),
    Bracket(40, "26-40"),
    Bracket(55, "41-55"),
    Bracket(None, "56+"),
)
DEFAULT_INCOME_BRACKETS = (
    Bracket(30_000, "Low Income (<30k)"),
    Bracket(70_000, "Middle Income (30k-70k)"),
    Bracket(None, "High Income (>70k)"),
)
DEFAULT_PURCHASE_TIERS = (
    Bracket(1_000, "Low Spender (<1k)"),
    Bracket(3_000, "Medium Spender (1k-3k)"),
    Bracket(None, "High Spender (>3k)"),
)
# Lower quantile of each CLV tier, best first; everyone below the last is Bronze.
DEFAULT_CLV_TIERS = (("Platinum", 0.90), ("Gold", 0.70), ("Silver", 0.40))
BOTTOM_CLV_TIER = "Bronze"


@dataclass(frozen=True)
class SegmentRules:
    """Brackets and tiers. `from_overrides` merges a settings dict over the defaults."""

    age_groups: tuple[Bracket, ...] = DEFAULT_AGE_GROUPS
    income_brackets: tuple[Bracket, ...] = DEFAULT_INCOME_BRACKETS
    purchase_tiers: tuple[Bracket, ...] = DEFAULT_PURCHASE_TIERS
    clv_tiers: tuple[tuple[str, float], ...] = DEFAULT_CLV_TIERS
    bottom_clv_tier: str = BOTTOM_CLV_TIER

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None) -> SegmentRules:
        """Rules from `{"age_groups": [[17, "Under 18"], ..., [null, "56+"]], "clv_tiers":
        [["Platinum", 0.9], ...], "bottom_clv_tier": "Bronze"}`; absent keys keep defaults."""
        overrides = overrides or {}
        unknown = set(overrides) - {
            "age_groups",
            "income_brackets",
            "purchase_tiers",
            "clv_tiers",
            "bottom_clv_tier",
        }
        if unknown:
            raise SegmentInputError(f"Unknown segment rule(s): {', '.join(sorted(unknown))}.")
        kwargs: dict[str, Any] = {}
        for name in ("age_groups", "income_brackets", "purchase_tiers"):
            if name in overrides:
                kwargs[name] = _brackets(name, overrides[name])
        if "clv_tiers" in overrides:
            tiers = tuple((str(label), float(q)) for label, q in overrides["clv_tiers"])
            quantiles = [q for _, q in tiers]
            if not all(0 < q < 1 for q in quantiles) or quantiles != sorted(
                quantiles, reverse=True
            ):
                raise SegmentInputError("clv_tiers quantiles must fall from below 1 to above 0.")
            kwargs["clv_tiers"] = tiers
        if "bottom_clv_tier" in overrides:
            kwargs["bottom_clv_tier"] = str(overrides["bottom_clv_tier"])
        return cls(**kwargs)


def _brackets(name: str, raw: list) -> tuple[Bracket, ...]:
    brackets = tuple(Bracket(None if up is None else float(up), str(label)) for up, label in raw)
    uppers = [b.upper for b in brackets[:-1]]
    if not brackets or brackets[-1].upper is not None or None in uppers or uppers != sorted(uppers):
        raise SegmentInputError(
            f"{name} must rise and end with an open bracket, e.g. [[30000, 'Low'], [null, 'High']]."
        )
    return brackets


# --- Columns by role -------------------------------------------------------------------------


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
    _check_type(segment_type, roles)
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


def _check_type(segment_type: str, roles: dict[str, str]) -> None:
    check_known_type(segment_type)
    missing = [role for role in REQUIRED_ROLES[segment_type] if role not in roles]
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        raise SegmentInputError(
            f"Segmentation type '{segment_type}' needs a column with the role {names}, which "
            "this dataset does not have. Mark such a column in the dataset's schema or pick "
            "another type."
        )


# --- Row-level rules (the customer look-up reuses these) --------------------------------------


def bracket_of(value: float | None, brackets: tuple[Bracket, ...]) -> str | None:
    """The label of the first bracket whose upper bound is >= value; None for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    for bracket in brackets:
        if bracket.upper is None or value <= bracket.upper:
            return bracket.label
    return brackets[-1].label


def age_group_of(age: float | None, *, rules: SegmentRules) -> str | None:
    """The age group of one customer (e.g. "26-40")."""
    return bracket_of(age, rules.age_groups)


def income_bracket_of(
    income: float | None, *, rules: SegmentRules, scale: float = 1.0
) -> str | None:
    """The income bracket of one income; `scale` is `income_scale(...)` of its dataset."""
    return bracket_of(None if income is None else income * scale, rules.income_brackets)


def purchase_tier_of(
    amount: float | None, *, rules: SegmentRules, frequency: float | None = None
) -> str | None:
    """The purchase tier of one customer (e.g. "High Spender (>3k)"): of the yearly spend when
    the dataset has a frequency column (pass it), else of the average purchase amount."""
    if amount is not None and frequency is not None:
        amount = float(amount) * float(frequency)
    return bracket_of(amount, rules.purchase_tiers)


def lifespan_years(tenure: Any, *, tenure_column: str) -> Any:
    """Tenure in years: a column named with "year" is years already, any other is months."""
    return tenure if "year" in tenure_column.lower() else tenure / 12.0


def clv_of(*, purchase_amount: float, purchase_frequency: float, lifespan_in_years: float) -> float:
    """Customer lifetime value: amount x frequency a year x lifespan in years."""
    return float(purchase_amount) * float(purchase_frequency) * float(lifespan_in_years)


def clv_thresholds(clv: pd.Series, *, rules: SegmentRules) -> dict[str, float]:
    """The lower CLV bound of each tier above the bottom one, from this population's quantiles."""
    values = clv.dropna()
    if values.empty:
        return {}
    cut = values.quantile([q for _, q in rules.clv_tiers]).to_numpy()
    return {label: float(v) for (label, _), v in zip(rules.clv_tiers, cut, strict=True)}


def clv_tier_of(
    clv: float | None, *, thresholds: dict[str, float], rules: SegmentRules
) -> str | None:
    """The tier of one CLV given its population's `clv_thresholds`."""
    if clv is None or (isinstance(clv, float) and math.isnan(clv)):
        return None
    for label, _ in rules.clv_tiers:
        if label in thresholds and clv >= thresholds[label]:
            return label
    return rules.bottom_clv_tier


def income_scale(income: pd.Series, *, income_column: str) -> float:
    """1000 when incomes are written in thousands (name says k, or the median is tiny), else 1."""
    name = income_column.lower().replace(" ", "")
    if "(k" in name or "k$" in name or name.endswith("_k") or "thousand" in name:
        return 1000.0
    median = income.median()
    return 1000.0 if pd.notna(median) and 0 < median < INCOME_THOUSANDS_BELOW_MEDIAN else 1.0


# --- Vectorised derivation --------------------------------------------------------------------


def _cut(values: pd.Series, brackets: tuple[Bracket, ...]) -> pd.Series:
    edges = [-np.inf] + [b.upper for b in brackets[:-1]] + [np.inf]
    labels = [b.label for b in brackets]
    return pd.cut(values, bins=edges, labels=labels, right=True, ordered=True)


def _numeric(values: pd.Series) -> pd.Series:
    """Numbers as they are (no copy); anything else coerced, unreadable values missing."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values
    return pd.to_numeric(values, errors="coerce")


def _clv_tiers(clv: pd.Series, *, thresholds: dict[str, float], rules: SegmentRules) -> pd.Series:
    """Each CLV's tier as a categorical, best tier first: the highest threshold it reaches (the
    same rule as `clv_tier_of`), one binary search over the few thresholds."""
    labels = [label for label, _ in rules.clv_tiers if label in thresholds]
    categories = [*labels, rules.bottom_clv_tier]
    # Thresholds rise from the lowest tier's bound to the best one's; ties keep the better tier.
    bounds = np.array([thresholds[label] for label in reversed(labels)], dtype=float)
    values = clv.to_numpy(dtype=float)
    reached = np.searchsorted(bounds, values, side="right")  # 0 = below every bound
    codes = (len(bounds) - reached).astype(np.int8)  # position in `categories`
    codes[np.isnan(values)] = -1
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=categories, ordered=True), index=clv.index
    )


@dataclass
class DerivedCustomers:
    """Per-customer columns a segment type is computed from, with the thresholds used."""

    frame: pd.DataFrame  # one row per customer: key column + value columns below
    key: str
    value_column: str | None  # the per-customer value (CLV, else yearly spend, else amount)
    thresholds: dict[str, float] = field(default_factory=dict)  # tier -> lower bound of `value`
    threshold_column: str | None = None  # the per-customer column the thresholds apply to


def derive_customers(
    frame: pd.DataFrame, *, segment_type: str, schema: list[dict], rules: SegmentRules
) -> DerivedCustomers:
    """Standard per-customer columns (age, income, purchase_amount, purchase_frequency,
    lifespan_years, clv, spending_score) plus the segment key, all vectorised. For `cluster`
    the frame must carry a `cluster_label` column. Raises `SegmentInputError` for a missing role."""
    roles = role_columns(schema)
    _check_type(segment_type, roles)
    # Columns gather in a dict and become one frame at the end: inserting them one by one
    # into a DataFrame copies blocks, measurable on 1,000,000 rows.
    out: dict[str, Any] = {}
    for role in ("age", "income", "spending_score", "purchase_amount", "purchase_frequency"):
        if role in roles and roles[role] in frame:
            out[role] = _numeric(frame[roles[role]])
    for role in ("gender", "region"):
        if role in roles and roles[role] in frame:
            out[role] = frame[roles[role]].astype("category")
    if "tenure" in roles and roles["tenure"] in frame:
        tenure = _numeric(frame[roles["tenure"]])
        out["lifespan_years"] = lifespan_years(tenure, tenure_column=roles["tenure"])
    if {"purchase_amount", "purchase_frequency", "lifespan_years"} <= set(out):
        out["clv"] = out["purchase_amount"] * out["purchase_frequency"] * out["lifespan_years"]

    # Yearly spend: what purchase tiers bracket, and the value measure when CLV is unknown.
    if {"purchase_amount", "purchase_frequency"} <= set(out) and (
        segment_type == "purchase_tier" or "clv" not in out
    ):
        out["yearly_spend"] = out["purchase_amount"] * out["purchase_frequency"]
    if "clv" in out:
        value_column = "clv"
    elif "yearly_spend" in out:
        value_column = "yearly_spend"
    elif "purchase_amount" in out:
        value_column = "purchase_amount"
    else:
        value_column = None

    key = KEY_COLUMNS[segment_type]
    thresholds: dict[str, float] = {}
    threshold_column = None
    if segment_type in ("gender", "region"):
        out[key] = out[segment_type]
    elif segment_type == "age_group":
        out[key] = _cut(out["age"], rules.age_groups)
    elif segment_type == "income_bracket":
        scale = income_scale(out["income"], income_column=roles["income"])
        out[key] = _cut(out["income"] * scale, rules.income_brackets)
    elif segment_type == "purchase_tier":
        threshold_column = "yearly_spend" if "yearly_spend" in out else "purchase_amount"
        out[key] = _cut(out[threshold_column], rules.purchase_tiers)
        thresholds = {
            upper.label: float(lower.upper)
            for lower, upper in zip(
                rules.purchase_tiers[:-1], rules.purchase_tiers[1:], strict=True
            )
        }
    elif segment_type == "clv":
        thresholds = clv_thresholds(out["clv"], rules=rules)
        out[key] = _clv_tiers(out["clv"], thresholds=thresholds, rules=rules)
        threshold_column = "clv"
    else:
        if "cluster_label" not in frame:
            raise SegmentInputError("The cluster view needs the run's assignments.")
        out[key] = frame["cluster_label"].to_numpy()
    return DerivedCustomers(
        frame=pd.DataFrame(out, index=frame.index, copy=False),
        key=key,
        value_column=value_column,
        thresholds=thresholds,
        threshold_column=threshold_column,
    )


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


def cluster_details(derived: DerivedCustomers) -> dict[int, dict[str, Any]]:
    """Per cluster label: demographics and financial figures of document 003 section 2 that the
    data has columns for (age range, predominant gender, gender counts, top regions, income
    median and range, total purchases, lifespan in months)."""
    data = derived.frame
    grouped = data.groupby("cluster_id", sort=True)
    details: dict[int, dict[str, Any]] = {int(label): {} for label in grouped.groups}
    if "age" in data:
        ages = grouped["age"].agg(["min", "max"])
        for label, row in ages.iterrows():
            details[int(label)]["age_range"] = (row["min"], row["max"])
    if "income" in data:
        incomes = grouped["income"].agg(["median", "min", "max"])
        for label, row in incomes.iterrows():
            details[int(label)]["income"] = (row["median"], row["min"], row["max"])
    if "purchase_amount" in data:
        spend = data["purchase_amount"] * data.get("purchase_frequency", 1.0)
        totals = spend.groupby(data["cluster_id"]).sum()
        for label, value in totals.items():
            details[int(label)]["total_purchases"] = float(value)
    for column, top in (("gender", None), ("region", 3)):
        if column not in data:
            continue
        counts = data.groupby(["cluster_id", column], observed=True).size()
        for label in details:
            if label not in counts.index.get_level_values(0):
                continue
            per = counts.loc[label].sort_values(ascending=False)
            per = per[per > 0]
            details[label][column] = per if top is None else per.head(top)
    return details


def _round(value: Any, digits: int = 2) -> Any:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def cluster_records(
    table: pd.DataFrame,
    *,
    details: dict[int, dict[str, Any]],
    clusters: dict[int, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Document 003 section 2 records from the cluster table, its `cluster_details` and the run's
    cluster rows (`{label: {"name", "summary", "created_at"}}`), in the table's order.
    `cluster_priority` ranks clusters by average CLV (else spend, else size), 1 = most valuable."""
    rank_by = next(
        (c for c in ("avg_clv", "avg_purchase_amount", "total_customers") if c in table),
        "total_customers",
    )
    priority = table[rank_by].rank(ascending=False, method="first").astype(int)
    records = []
    for position, row in table.iterrows():
        label = int(row["cluster_id"])
        info = clusters.get(label, {})
        extra = details.get(label, {})
        name = info.get("name") or (
            "Noise (no cluster)" if label == CLUSTER_NOISE_LABEL else f"Cluster {label}"
        )
        demographics: dict[str, Any] = {}
        if "avg_age" in row:
            demographics["avg_age"] = _round(row["avg_age"], 1)
        if "age_range" in extra:
            demographics["age_range_min"] = _round(extra["age_range"][0], 1)
            demographics["age_range_max"] = _round(extra["age_range"][1], 1)
        if "gender" in extra:
            genders = extra["gender"]
            demographics["predominant_gender"] = str(genders.index[0])
            demographics["gender_distribution"] = {str(k): int(v) for k, v in genders.items()}
        if "region" in extra:
            demographics["regions"] = [str(k) for k in extra["region"].index]
        financial: dict[str, Any] = {}
        if "avg_income" in row:
            financial["avg_income"] = _round(row["avg_income"])
        if "income" in extra:
            median, low, high = extra["income"]
            financial["median_income"] = _round(median)
            financial["income_range"] = {"min": _round(low), "max": _round(high)}
        if "avg_purchase_amount" in row:
            financial["avg_purchase_amount"] = _round(row["avg_purchase_amount"])
        if "total_purchases" in extra:
            financial["total_purchases"] = _round(extra["total_purchases"])
        if "avg_frequency" in row:
            financial["avg_purchase_frequency"] = _round(row["avg_frequency"])
        if "avg_clv" in row:
            financial["avg_clv"] = _round(row["avg_clv"])
        behavioral: dict[str, Any] = {}
        if "avg_lifespan_years" in row:
            behavioral["avg_customer_lifespan_months"] = _round(row["avg_lifespan_years"] * 12, 1)
        if "avg_spending_score" in row:
            behavioral["avg_spending_score"] = _round(row["avg_spending_score"], 1)
        records.append(
            {
                "cluster_id": label,
                "cluster_label": name,
                "cluster_name": name,
                "cluster_priority": int(priority.loc[position]),
                "customer_count": int(row["total_customers"]),
                "customer_percentage": _round(row["customer_percentage"], 1),
                "demographics": demographics,
                "financial_metrics": financial,
                "behavioral_metrics": behavioral,
                "metadata": {
                    "created_at": info.get("created_at"),
                    "description": info.get("summary", ""),
                },
            }
        )
    return records


def table_records(table: pd.DataFrame, *, segment_type: str) -> list[dict[str, Any]]:
    """Plain records of a non-cluster table: key, `segment_name`, counts and rounded averages."""
    key = KEY_COLUMNS[segment_type]
    records = []
    for row in table.to_dict("records"):
        record: dict[str, Any] = {key: str(row[key]), "segment_name": str(row[key])}
        record["total_customers"] = int(row["total_customers"])
        record["customer_percentage"] = _round(row["customer_percentage"], 1)
        for name, _, _ in AGGREGATES:
            if name in row:
                record[name] = _round(row[name])
        if "total_value" in row:
            record["total_value"] = _round(row["total_value"])
        records.append(record)
    return records


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
