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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
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


def _gini_insight(values: pd.Series, value_word: str) -> tuple[Insight, float]:
    coefficient = gini(values.to_numpy())
    clean = np.sort(np.clip(values.dropna().to_numpy(dtype=float), 0, None))[::-1]
    top_n = max(1, round(clean.size * 0.2))
    top_share = float(clean[:top_n].sum() * 100 / clean.sum()) if clean.sum() > 0 else 0.0
    severity = (
        "high" if coefficient >= GINI_HIGH else "medium" if coefficient >= GINI_MEDIUM else "low"
    )
    return (
        Insight(
            title=f"Gini coefficient of {value_word}: {coefficient:.2f}",
            description=(
                f"The top 20% of customers ({_num(top_n)}) hold {_pct(top_share)} of total "
                f"{value_word}; the Gini coefficient across {_num(clean.size)} customers is "
                f"{coefficient:.2f}."
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


def _near_threshold(derived: DerivedCustomers) -> list[Insight]:
    column = derived.threshold_column
    if not derived.thresholds or column is None or column not in derived.frame:
        return []
    data = derived.frame
    values = data[column]
    found = []
    for upper_tier, bound in derived.thresholds.items():
        near = (values < bound) & (values >= bound * (1 - NEAR_THRESHOLD_SHARE))
        count = int(near.sum())
        if count == 0:
            continue
        # The tier those customers are in now: the one just below the threshold.
        tier_of_near = data.loc[near, derived.key].astype(str).value_counts()
        lower_tier = str(tier_of_near.index[0])
        if lower_tier == upper_tier:
            continue
        gap = float((bound - values[near]).mean())
        word = {"clv": "lifetime value", "yearly_spend": "yearly spend"}.get(
            column, "average purchase amount"
        )
        share = count * 100 / max(len(data), 1)
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


def _high_value_low_frequency(derived: DerivedCustomers, table: pd.DataFrame) -> list[Insight]:
    if not {"avg_purchase_amount", "avg_frequency"} <= set(table) or len(table) < 2:
        return []
    data = derived.frame
    mean_amount = float(data["purchase_amount"].mean())
    mean_frequency = float(data["purchase_frequency"].mean())
    found = []
    for _, row in table.iterrows():
        if (
            row["avg_purchase_amount"] >= mean_amount * HIGH_VALUE_RATIO
            and row["avg_frequency"] <= mean_frequency * LOW_FREQUENCY_RATIO
        ):
            name = _name(row, derived.key)
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
    derived: DerivedCustomers,
    segment_names: dict[Any, str] | None = None,
) -> InsightReport:
    """Findings and key metrics of one segment view. `segment_names` names keys (cluster ids)."""
    key = derived.key
    table = table.copy()
    if segment_names:
        table["segment_label"] = [segment_names.get(k, str(k)) for k in table[key].tolist()]
    value_column = derived.value_column
    value_word = VALUE_WORDS.get(value_column or "", "value")
    insights: list[Insight] = []
    key_metrics: dict[str, Any] = {
        "total_customers": int(table["total_customers"].sum()),
        "total_segments": len(table),
    }
    if "clv" in derived.frame:
        key_metrics["avg_clv"] = round(float(derived.frame["clv"].mean()), 2)
    if "purchase_amount" in derived.frame:
        key_metrics["avg_purchase_amount"] = round(
            float(derived.frame["purchase_amount"].mean()), 2
        )
    if value_column:
        values = derived.frame[value_column]
        gini_insight, coefficient = _gini_insight(values, value_word)
        key_metrics["total_value"] = round(float(values.sum()), 2)
        key_metrics["value_measure"] = value_word
        key_metrics["gini_coefficient"] = round(coefficient, 2)
        key_metrics["revenue_concentration"] = f"Gini coefficient: {coefficient:.2f}"
        concentration = _concentration(table, key, value_word)
        if concentration:
            insights.append(concentration)
        insights.append(gini_insight)
    insights.extend(_near_threshold(derived))
    insights.extend(_high_value_low_frequency(derived, table))
    gap = _value_gap(table, key)
    if gap:
        insights.append(gap)
    insights.extend(_size_extremes(table, key))
    rank = {"high": 0, "medium": 1, "low": 2}
    insights.sort(key=lambda i: rank[i.severity])  # stable: rule order within a severity
    return InsightReport(insights=insights, key_metrics=key_metrics)
