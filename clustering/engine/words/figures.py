"""A segment's real figures in words: "last purchase 12 days ago on average, 8.4 purchases,
1,240 spent". In: the segment's and everyone's means by column and the columns' roles. Out:
phrases for names' companions (characteristics, recommendations). Pure Python."""

import math
import re
from collections.abc import Mapping

from clustering.engine.words.rfm import FREQUENCY, MONETARY, RECENCY, TENURE

UNITS = {  # a column-name word -> the unit its numbers count
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
}
DEFAULT_UNIT = {RECENCY: "days", TENURE: "months"}
MAX_FIGURES = 3  # a recommendation quotes the three figures that set the segment apart most
FEATURE_NAME_CHARS = 40  # long column names are cut in names, so a name stays under 120


def number(value: float) -> str:
    """8.4, 12, 1,240: one decimal below ten (2, not 2.0), whole numbers with thousands
    separators above."""
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:,.1f}" if abs(value) < 10 else f"{value:,.0f}"
    return text.removesuffix(".0")


def display(feature: str) -> str:
    """'annual_income' -> 'annual income', cut to FEATURE_NAME_CHARS."""
    text = re.sub(r"[_\s]+", " ", feature).strip() or feature
    return text if len(text) <= FEATURE_NAME_CHARS else text[: FEATURE_NAME_CHARS - 1] + "…"


def unit_of(column: str, axis: str) -> str:
    words = re.split(r"[^a-z]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", column).lower())
    return next((UNITS[word] for word in words if word in UNITS), DEFAULT_UNIT.get(axis, "days"))


def rfm_phrase(axis: str, column: str, value: float, *, role: str | None) -> str:
    """One axis' figure: 'last purchase 12 days ago', '8.4 purchases', '1,240 spent'."""
    if axis == RECENCY:
        return f"last purchase {number(value)} {unit_of(column, axis)} ago"
    if axis == FREQUENCY:
        return f"{number(value)} purchases"
    if axis == MONETARY:
        return f"{number(value)} {'per purchase' if role == 'purchase_amount' else 'spent'}"
    return f"customers for {number(value)} {unit_of(column, axis)}"


def rfm_figures(
    columns: Mapping[str, str],
    means: Mapping[str, float | None],
    roles: Mapping[str, str | None],
) -> str:
    """'last purchase 12 days ago on average, 8.4 purchases, 1,240 spent' (tenure when one of
    the three is missing)."""
    phrases = []
    for axis in (RECENCY, FREQUENCY, MONETARY, TENURE):
        column = columns.get(axis)
        value = means.get(column) if column else None
        if value is None or (axis == TENURE and len(phrases) >= MAX_FIGURES):
            continue
        phrases.append(rfm_phrase(axis, column, value, role=roles.get(column)))
        if len(phrases) == 1:
            phrases[0] += " on average"
    return ", ".join(phrases)


def rfm_traits(
    columns: Mapping[str, str],
    means: Mapping[str, float | None],
    overall_means: Mapping[str, float | None],
    roles: Mapping[str, str | None],
) -> list[str]:
    """One characteristic per axis, against everyone: 'Last purchase 12 days ago on average
    (all customers: 95)'."""
    traits = []
    for axis in (RECENCY, FREQUENCY, MONETARY, TENURE):
        column = columns.get(axis)
        value = means.get(column) if column else None
        if value is None:
            continue
        phrase = rfm_phrase(axis, column, value, role=roles.get(column))
        overall = overall_means.get(column)
        tail = f" (all customers: {number(overall)})" if overall is not None else ""
        traits.append(f"{phrase[0].upper()}{phrase[1:]} on average{tail}")
    return traits


def feature_figures(
    means: Mapping[str, float | None],
    z_scores: Mapping[str, float],
    roles: Mapping[str, str | None],
) -> str:
    """'annual income 95, spending score 81 on average': the features furthest from everyone,
    columns with a role first."""
    ranked = sorted(
        (feature for feature in z_scores if means.get(feature) is not None),
        key=lambda feature: (roles.get(feature) is None, -abs(z_scores[feature])),
    )[:MAX_FIGURES]
    if not ranked:
        return ""
    return ", ".join(f"{display(feature)} {number(means[feature])}" for feature in ranked) + (
        " on average"
    )
