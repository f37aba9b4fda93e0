"""Generated findings about one segment view. Pure: a segment table and its per-customer frame
(`reports.segments.DerivedCustomers`) in, `InsightReport` out. Imports pandas and numpy only.

No canned figures: every number in a title or sentence is computed from the data passed in. Each
rule returns a finding or nothing (when its columns are absent or its condition does not hold):

- value concentration: share of total value held by the most valuable segment vs its share of
  customers;
- Gini coefficient of per-customer value (inequality of value across customers);
- the largest and the smallest segment;
- customers just below a tier threshold (CLV tiers, purchase tiers);
- segments with high purchase value but low purchase frequency;
- the value gap between the most and the least valuable segment.

The rules read the per-customer frame only through `InsightInputs`: means, totals and the
near-threshold counts, which add up over chunks of a big table (`insight_partial` per chunk,
`combine_insight_partials`), and the per-customer values the Gini coefficient ranks. Those are the
whole frame's for one frame; for a table too big for one frame they are a sample of its
customers, and the Gini finding and key metrics say so (`gini_sample_size`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .segments import DerivedCustomers

NEAR_THRESHOLD_SHARE = 0.10  # "near a threshold" = within 10% below the next tier's lower bound
SMALL_SEGMENT_PERCENT = 5.0  # a segment under 5% of customers is hard to target on its own
HIGH_VALUE_RATIO = 1.2  # 20% above the average purchase amount counts as high value
LOW_FREQUENCY_RATIO = 0.9  # 10% below the average frequency counts as low frequency
GINI_HIGH = 0.5  # value held by few: most loyalty budgets should follow it
GINI_MEDIUM = 0.3
MEAN_COLUMNS = ("clv", "purchase_amount", "purchase_frequency")  # overall means the rules read

VALUE_WORDS = {
    "clv": "lifetime value",
    "yearly_spend": "yearly spend",
    "purchase_amount": "purchase amount",
}


@dataclass(frozen=True)
class Insight:
    title: str
    description: str
    severity: str  # high | medium | low
    recommendation: str
    rule: str  # which rule produced it, for clients that filter


@dataclass(frozen=True)
class InsightReport:
    insights: list[Insight]
    key_metrics: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "insights": [asdict(i) for i in self.insights],
            "key_metrics": self.key_metrics,
        }


@dataclass(frozen=True)
class NearThreshold:
    """Customers within `NEAR_THRESHOLD_SHARE` below one tier's lower bound."""

    count: int
    gap_sum: float  # sum of (bound - value) over them
    tiers: dict[str, int]  # how many of them each tier holds now


@dataclass(frozen=True)
class InsightInputs:
    """What the rules read besides the segment table (see the module docstring)."""

    key: str
    rows: int  # customers in the view
    value_column: str | None
    means: dict[str, float]  # column -> mean of its non-missing values (MEAN_COLUMNS, value)
    value_count: int  # customers with a value
    value_total: float
    values: np.ndarray | None  # per-customer values the Gini ranks: all, or a sample
    sampled: bool  # `values` is a sample of the `value_count` customers
    thresholds: dict[str, float] = field(default_factory=dict)
    threshold_column: str | None = None
    near: dict[str, NearThreshold] = field(default_factory=dict)  # upper tier -> its near ones


def insight_partial(derived: DerivedCustomers) -> dict[str, Any]:
    """What one chunk of customers adds to `InsightInputs`: its row count, sums and non-missing
    counts of the mean columns, and its near-threshold counts (`combine_insight_partials`)."""
    data = derived.frame
    columns = [c for c in (*MEAN_COLUMNS, derived.value_column) if c and c in data]
    partial: dict[str, Any] = {
        "rows": len(data),
        "sums": {c: float(data[c].sum()) for c in columns},
        "counts": {c: int(data[c].count()) for c in columns},
        "near": {},
    }
    column = derived.threshold_column
    if not derived.thresholds or column is None or column not in data:
        return partial
    values = data[column]
    for upper_tier, bound in derived.thresholds.items():
        near = (values < bound) & (values >= bound * (1 - NEAR_THRESHOLD_SHARE))
        tiers = data.loc[near, derived.key].astype(str).value_counts()
        partial["near"][upper_tier] = NearThreshold(
            count=int(near.sum()),
            gap_sum=float((bound - values[near]).sum()),
            tiers={str(k): int(v) for k, v in tiers.items()},
        )
    return partial


def combine_insight_partials(
    partials: list[dict[str, Any]],
    *,
    derived_like: DerivedCustomers,
    values: pd.Series | np.ndarray | None,
    sampled: bool,
) -> InsightInputs:
    """`InsightInputs` of the customers whose chunks gave `partials` (`insight_partial`), their
    thresholds those of `derived_like` (every chunk's). `values`: the per-customer values of the
    value column, all of them (`sampled=False`) or a sample of them spread over the table."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    near: dict[str, NearThreshold] = {}
    for partial in partials:
        for column, total in partial["sums"].items():
            sums[column] = sums.get(column, 0.0) + total
            counts[column] = counts.get(column, 0) + partial["counts"][column]
        for tier, found in partial["near"].items():
            before = near.get(tier, NearThreshold(0, 0.0, {}))
            tiers = dict(before.tiers)
            for name, n in found.tiers.items():
                tiers[name] = tiers.get(name, 0) + n
            near[tier] = NearThreshold(
                before.count + found.count, before.gap_sum + found.gap_sum, tiers
            )
    value_column = derived_like.value_column
    return InsightInputs(
        key=derived_like.key,
        rows=sum(partial["rows"] for partial in partials),
        value_column=value_column,
        means={c: sums[c] / counts[c] if counts[c] else float("nan") for c in sums},
        value_count=counts.get(value_column or "", 0),
        value_total=sums.get(value_column or "", 0.0),
        values=None if values is None else np.asarray(values, dtype=float),
        sampled=sampled,
        thresholds=dict(derived_like.thresholds),
        threshold_column=derived_like.threshold_column,
        near=near,
    )


def insight_inputs(derived: DerivedCustomers) -> InsightInputs:
    """`InsightInputs` of one frame: exact, every value ranked."""
    values = derived.frame[derived.value_column] if derived.value_column else None
    return combine_insight_partials(
        [insight_partial(derived)], derived_like=derived, values=values, sampled=False
    )


def _num(value: float, digits: int = 0) -> str:
    """A figure as a sentence shows it: thousands separated, fixed decimals."""
    return f"{value:,.{digits}f}"


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values: 0 = everyone equal, 1 = one holds everything."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    values = np.clip(values, 0, None)
    if values.size == 0 or values.sum() == 0:
        return 0.0
    values = np.sort(values)
    n = values.size
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * values) / (n * values.sum())) - (n + 1) / n)


def _name(row: pd.Series, key: str) -> str:
    return str(row["segment_label"]) if "segment_label" in row else str(row[key])


def _concentration(table: pd.DataFrame, key: str, value_word: str) -> Insight | None:
    if "total_value" not in table or table["total_value"].sum() <= 0 or len(table) < 2:
        return None
    total_value = float(table["total_value"].sum())
    per_customer = table["total_value"] / table["total_customers"].clip(lower=1)
    top = table.loc[per_customer.idxmax()]
    value_share = float(top["total_value"]) * 100 / total_value
    customer_share = float(top["customer_percentage"])
    ratio = value_share / customer_share if customer_share else 0.0
    severity = "high" if ratio >= 2 else "medium" if ratio >= 1.3 else "low"
    name = _name(top, key)
    return Insight(
        title=f"{name} holds {_pct(value_share)} of total {value_word}",
        description=(
            f"{name} ({_num(top['total_customers'])} customers) account for {_pct(value_share)} "
            f"of total {value_word} while being {_pct(customer_share)} of the customer base."
        ),
        severity=severity,
        recommendation=(
            f"Protect {name} with a retention or VIP programme: losing one of them costs "
            f"{ratio:.1f} times the average customer's share of {value_word}."
            if ratio >= 1.3
            else f"Value is spread evenly; {name} needs no separate retention budget."
        ),
        rule="value_concentration",
    )


def _gini_insight(inputs: InsightInputs, value_word: str) -> tuple[Insight, float]:
    values = inputs.values if inputs.values is not None else np.empty(0)
    coefficient = gini(values)
    clean = np.sort(np.clip(values[~np.isnan(values)], 0, None))[::-1]
    # The top fifth of the ranked values; of all customers with a value for the count.
    top_share = 0.0
    if clean.sum() > 0:
        top_share = float(clean[: max(1, round(clean.size * 0.2))].sum() * 100 / clean.sum())
    customers = inputs.value_count if inputs.sampled else clean.size
    top_n = max(1, round(customers * 0.2))
    estimate = f" (estimated from a sample of {_num(clean.size)})" if inputs.sampled else ""
    severity = (
        "high" if coefficient >= GINI_HIGH else "medium" if coefficient >= GINI_MEDIUM else "low"
    )
    return (
        Insight(
            title=f"Gini coefficient of {value_word}: {coefficient:.2f}",
            description=(
                f"The top 20% of customers ({_num(top_n)}) hold {_pct(top_share)} of total "
                f"{value_word}; the Gini coefficient across {_num(customers)} customers is "
                f"{coefficient:.2f}{estimate}."
            ),
            severity=severity,
            recommendation=(
                "Concentrate retention spend on the top customers and watch them for churn."
                if coefficient >= GINI_MEDIUM
                else "Value is broad-based: broad campaigns reach most of it."
            ),
            rule="gini",
        ),
        coefficient,
    )


def _size_extremes(table: pd.DataFrame, key: str) -> list[Insight]:
    if len(table) < 2:
        return []
    total = int(table["total_customers"].sum())
    largest = table.loc[table["total_customers"].idxmax()]
    smallest = table.loc[table["total_customers"].idxmin()]
    found = [
        Insight(
            title=f"Largest segment: {_name(largest, key)}",
            description=(
                f"{_name(largest, key)} has {_num(largest['total_customers'])} customers, "
                f"{_pct(largest['customer_percentage'])} of {_num(total)}."
            ),
            severity="medium" if largest["customer_percentage"] >= 50 else "low",
            recommendation=(
                f"Use {_name(largest, key)} as the baseline audience for broad campaigns and "
                "split it further if messages must differ."
            ),
            rule="largest_segment",
        )
    ]
    small = float(smallest["customer_percentage"]) < SMALL_SEGMENT_PERCENT
    found.append(
        Insight(
            title=f"Smallest segment: {_name(smallest, key)}",
            description=(
                f"{_name(smallest, key)} has {_num(smallest['total_customers'])} customers, "
                f"{_pct(smallest['customer_percentage'])} of {_num(total)}."
            ),
            severity="medium" if small else "low",
            recommendation=(
                f"At under {_pct(SMALL_SEGMENT_PERCENT)} of customers, {_name(smallest, key)} is "
                "best served through a neighbouring segment's campaigns."
                if small
                else f"{_name(smallest, key)} is large enough to target on its own."
            ),
            rule="smallest_segment",
        )
    )
    return found


def _near_threshold(inputs: InsightInputs) -> list[Insight]:
    found = []
    for upper_tier, bound in inputs.thresholds.items():
        near = inputs.near.get(upper_tier)
        if near is None or near.count == 0:
            continue
        # The tier those customers are in now: the one holding most of them (equal: by name).
        lower_tier = min(near.tiers, key=lambda tier: (-near.tiers[tier], tier))
        if lower_tier == upper_tier:
            continue
        count = near.count
        gap = near.gap_sum / count
        word = {"clv": "lifetime value", "yearly_spend": "yearly spend"}.get(
            inputs.threshold_column or "", "average purchase amount"
        )
        share = count * 100 / max(inputs.rows, 1)
        found.append(
            Insight(
                title=f"{lower_tier}-to-{upper_tier} opportunity",
                description=(
                    f"{_num(count)} {lower_tier} customers ({_pct(share)}) are within "
                    f"{_pct(NEAR_THRESHOLD_SHARE * 100)} of the {upper_tier} threshold of "
                    f"{_num(bound, 2)} {word}; on average {_num(gap, 2)} short of it."
                ),
                severity="medium" if share >= 2 else "low",
                recommendation=(
                    f"Target these {lower_tier} customers with upsell offers worth about "
                    f"{_num(gap, 2)} to move them into {upper_tier}."
                ),
                rule="near_threshold",
            )
        )
    return found


def _high_value_low_frequency(inputs: InsightInputs, table: pd.DataFrame) -> list[Insight]:
    if not {"avg_purchase_amount", "avg_frequency"} <= set(table) or len(table) < 2:
        return []
    mean_amount = inputs.means["purchase_amount"]
    mean_frequency = inputs.means["purchase_frequency"]
    found = []
    for _, row in table.iterrows():
        if (
            row["avg_purchase_amount"] >= mean_amount * HIGH_VALUE_RATIO
            and row["avg_frequency"] <= mean_frequency * LOW_FREQUENCY_RATIO
        ):
            name = _name(row, inputs.key)
            found.append(
                Insight(
                    title=f"{name}: high value, low frequency",
                    description=(
                        f"{name} spends {_num(row['avg_purchase_amount'], 2)} a purchase against "
                        f"{_num(mean_amount, 2)} overall, but buys {row['avg_frequency']:.1f} "
                        f"times against {mean_frequency:.1f} overall "
                        f"({_num(row['total_customers'])} customers)."
                    ),
                    severity="high",
                    recommendation=(
                        f"Raise purchase frequency in {name} with reminders, subscriptions or "
                        "loyalty points: each extra purchase is worth more here than elsewhere."
                    ),
                    rule="high_value_low_frequency",
                )
            )
    return found


def _value_gap(table: pd.DataFrame, key: str) -> Insight | None:
    column = next((c for c in ("avg_clv", "avg_purchase_amount") if c in table), None)
    if column is None or len(table) < 2:
        return None
    best = table.loc[table[column].idxmax()]
    worst = table.loc[table[column].idxmin()]
    if worst[column] <= 0:
        return None
    ratio = float(best[column] / worst[column])
    word = "lifetime value" if column == "avg_clv" else "purchase amount"
    return Insight(
        title=f"{ratio:.1f}x {word} gap between segments",
        description=(
            f"{_name(best, key)} averages {_num(best[column], 2)} {word} against "
            f"{_num(worst[column], 2)} for {_name(worst, key)}."
        ),
        severity="high" if ratio >= 3 else "medium" if ratio >= 1.5 else "low",
        recommendation=(
            f"Study what sets {_name(best, key)} apart and test those offers on "
            f"{_name(worst, key)}."
        ),
        rule="value_gap",
    )


def insights_for(
    table: pd.DataFrame,
    *,
    derived: DerivedCustomers | None = None,
    inputs: InsightInputs | None = None,
    segment_names: dict[Any, str] | None = None,
) -> InsightReport:
    """Findings and key metrics of one segment view: its table and either the per-customer frame
    (`derived`) or, for a table combined from chunks, `inputs` (`combine_insight_partials`).
    `segment_names` names keys (cluster ids)."""
    if inputs is None:
        if derived is None:
            raise TypeError("insights_for needs the derived customers or their InsightInputs.")
        inputs = insight_inputs(derived)
    key = inputs.key
    table = table.copy()
    if segment_names:
        table["segment_label"] = [segment_names.get(k, str(k)) for k in table[key].tolist()]
    value_column = inputs.value_column
    value_word = VALUE_WORDS.get(value_column or "", "value")
    insights: list[Insight] = []
    key_metrics: dict[str, Any] = {
        "total_customers": int(table["total_customers"].sum()),
        "total_segments": len(table),
    }
    if "clv" in inputs.means:
        key_metrics["avg_clv"] = round(inputs.means["clv"], 2)
    if "purchase_amount" in inputs.means:
        key_metrics["avg_purchase_amount"] = round(inputs.means["purchase_amount"], 2)
    if value_column:
        gini_insight, coefficient = _gini_insight(inputs, value_word)
        key_metrics["total_value"] = round(inputs.value_total, 2)
        key_metrics["value_measure"] = value_word
        key_metrics["gini_coefficient"] = round(coefficient, 2)
        key_metrics["revenue_concentration"] = f"Gini coefficient: {coefficient:.2f}"
        if inputs.sampled:
            key_metrics["gini_sample_size"] = int(np.isfinite(inputs.values).sum())
        concentration = _concentration(table, key, value_word)
        if concentration:
            insights.append(concentration)
        insights.append(gini_insight)
    insights.extend(_near_threshold(inputs))
    insights.extend(_high_value_low_frequency(inputs, table))
    gap = _value_gap(table, key)
    if gap:
        insights.append(gap)
    insights.extend(_size_extremes(table, key))
    rank = {"high": 0, "medium": 1, "low": 2}
    insights.sort(key=lambda i: rank[i.severity])  # stable: rule order within a severity
    return InsightReport(insights=insights, key_metrics=key_metrics)
