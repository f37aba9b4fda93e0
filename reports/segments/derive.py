"""Per-customer columns a segment type is computed from, vectorised (`derive_customers`).
Pure pandas/numpy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .rules import Bracket, SegmentRules, clv_thresholds, income_scale, lifespan_years
from .types import KEY_COLUMNS, SegmentInputError, require_roles, role_columns

__all__ = ["DerivedCustomers", "DerivedParameters", "derive_customers", "derived_parameters"]


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


@dataclass(frozen=True)
class DerivedParameters:
    """The figures `derive_customers` reads from the whole population rather than from a row: the
    income scale (`income_scale`, from the median income) and the CLV tier thresholds
    (`clv_thresholds`, quantiles of the CLV). Fixed up front, they make every chunk of a big table
    derive its rows exactly as the whole table would.

    For a table too big for one frame they come from a sample of its rows spread over it
    (`derived_parameters(sample, ...)`): the income scale only flips between 1 and 1000 at a
    median far from any real income, so a sample of many thousand rows gives the whole table's;
    the CLV thresholds are the sample's quantiles, so customers within a sampling error of a
    threshold may fall in the neighbouring tier. A sample holding every row gives them exactly."""

    income_scale: float = 1.0
    clv_thresholds: dict[str, float] = field(default_factory=dict)


@dataclass
class DerivedCustomers:
    """Per-customer columns a segment type is computed from, with the thresholds used."""

    frame: pd.DataFrame  # one row per customer: key column + value columns below
    key: str
    value_column: str | None  # the per-customer value (CLV, else yearly spend, else amount)
    thresholds: dict[str, float] = field(default_factory=dict)  # tier -> lower bound of `value`
    threshold_column: str | None = None  # the per-customer column the thresholds apply to
    parameters: DerivedParameters = field(default_factory=DerivedParameters)  # the ones used


def derive_customers(
    frame: pd.DataFrame,
    *,
    segment_type: str,
    schema: list[dict],
    rules: SegmentRules,
    fixed: DerivedParameters | None = None,
) -> DerivedCustomers:
    """Standard per-customer columns (age, income, purchase_amount, purchase_frequency,
    lifespan_years, clv, spending_score) plus the segment key, all vectorised. For `cluster`
    the frame must carry a `cluster_label` column. Raises `SegmentInputError` for a missing role.

    The population figures (income scale, CLV thresholds) come from `frame` itself, or from
    `fixed` when given: a chunk of a bigger table passes the whole table's (`DerivedParameters`)."""
    roles = role_columns(schema)
    require_roles(segment_type, roles)
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
    parameters = fixed or DerivedParameters()
    if segment_type in ("gender", "region"):
        out[key] = out[segment_type]
    elif segment_type == "age_group":
        out[key] = _cut(out["age"], rules.age_groups)
    elif segment_type == "income_bracket":
        if fixed is None:
            scale = income_scale(out["income"], income_column=roles["income"])
            parameters = DerivedParameters(income_scale=scale)
        out[key] = _cut(out["income"] * parameters.income_scale, rules.income_brackets)
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
        if fixed is None:
            parameters = DerivedParameters(clv_thresholds=clv_thresholds(out["clv"], rules=rules))
        thresholds = dict(parameters.clv_thresholds)
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
        parameters=parameters,
    )


def derived_parameters(
    sample: pd.DataFrame, *, segment_type: str, schema: list[dict], rules: SegmentRules
) -> DerivedParameters:
    """The population figures a segment type needs (see `DerivedParameters`), read from `sample`:
    the whole table, or a sample of its rows spread over it when it is too big for one frame."""
    return derive_customers(
        sample, segment_type=segment_type, schema=schema, rules=rules
    ).parameters
