"""Brackets and tiers (`SegmentRules`, overridable from settings) and the row-level rules that give
one customer the same answer the vectorised tables give every customer. Pure pandas/numpy."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .types import SegmentInputError

__all__ = [
    "BOTTOM_CLV_TIER",
    "DEFAULT_AGE_GROUPS",
    "DEFAULT_CLV_TIERS",
    "DEFAULT_INCOME_BRACKETS",
    "DEFAULT_PURCHASE_TIERS",
    "INCOME_THOUSANDS_BELOW_MEDIAN",
    "Bracket",
    "SegmentRules",
    "age_group_of",
    "bracket_of",
    "clv_of",
    "clv_thresholds",
    "clv_tier_of",
    "income_bracket_of",
    "income_scale",
    "lifespan_years",
    "purchase_tier_of",
]

# Incomes whose median is below this are taken to be in thousands (e.g. "Annual Income (k$)"):
# no one's yearly income is below 1,000 in any currency the brackets are written for.
INCOME_THOUSANDS_BELOW_MEDIAN = 1000


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


# Tenure units a column's name may carry ("tenure_days", "weeksAsMember"), in periods a year.
TENURE_PERIODS_A_YEAR = {"year": 1.0, "month": 12.0, "week": 365.25 / 7, "day": 365.25}


def lifespan_years(tenure: Any, *, tenure_column: str) -> Any:
    """Tenure in years, by the unit its column's name carries (year, month, week or day, e.g.
    "tenure_days" of a derived customer table); a column naming no unit counts months."""
    words = re.split(r"[^a-z]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", tenure_column).lower())
    units = [word.removesuffix("s") for word in words]
    periods = next((TENURE_PERIODS_A_YEAR[u] for u in units if u in TENURE_PERIODS_A_YEAR), 12.0)
    return tenure if periods == 1.0 else tenure / periods


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
