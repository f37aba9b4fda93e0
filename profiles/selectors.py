"""Reads of saved profiles and prediction history, always scoped to their owner: another user's
profile or prediction does not exist for the caller (404, never 403)."""

import bisect
import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from accounts.models import User
from clustering.models import Assignment, Cluster
from clustering.selectors import published_run_get
from config.errors import Conflict
from datasets.models import Customer, Dataset
from datasets.selectors import customer_attributes, dataset_population_frame
from reports.segments import (
    SegmentRules,
    age_group_of,
    clv_of,
    clv_thresholds,
    clv_tier_of,
    income_bracket_of,
    income_scale,
    lifespan_years,
    purchase_tier_of,
    role_columns,
)
from reports.selectors import segment_rules

from .customer_lookup import customer_find, segment_comparison
from .explanations import customer_explanation
from .models import CustomerProfile, Prediction
from .predictor.cache import published_model_get
from .predictor.checks import FeatureInput
from .predictor.fields import CONTRACT_FIELDS, NUMBER_RULES, SEX_VALUES, in_range

NOTHING_PUBLISHED_LOOKUP = (
    "No segmentation is published yet: a segmentation must be published first, then customers "
    "can be looked up."
)


def profile_list(*, user: User) -> QuerySet[CustomerProfile]:
    """The caller's own profiles, newest first."""
    return CustomerProfile.objects.filter(owner=user)


def profile_get(*, user: User, pk: int) -> CustomerProfile:
    """One of the caller's own profiles; Http404 for anyone else's or a missing one."""
    return get_object_or_404(profile_list(user=user), pk=pk)


# --- The published segmentation's inputs, as profiles and predictions ask for them ------------
@dataclass(frozen=True)
class ProfileFeature:
    """One input feature of the published segmentation, as a profile or a prediction names it.

    `key` is document 004's name for the column's role (`sex`, `annual_income`...) when its
    rules accept the values seen in training, else the dataset column; `kind` is "number" or
    "category"; `categories` are the values seen in training (Male and Female for `sex`, the
    only values document 004 takes); `minimum`/`maximum` the training range of a number (help
    text, not a limit); `rule_minimum`/`rule_maximum` and `whole` document 004's limits for its
    own names. Every feature of the model is required to segment a customer."""

    key: str
    column: str
    label: str
    kind: str
    categories: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    rule_minimum: int | None = None
    rule_maximum: int | None = None
    whole: bool = False
    required: bool = True


@dataclass(frozen=True)
class PublishedFeatures:
    """The published run's input features, in the model's order."""

    run_id: int | None
    run_name: str
    dataset_name: str
    features: tuple[ProfileFeature, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(feature.key for feature in self.features)


def published_features_get(*, user: User) -> PublishedFeatures | None:
    """What a profile (or a prediction) must give to be segmented by the published run: its
    features with their kinds, training categories and ranges. None when nothing is published;
    `ArtifactError` when the published run has no usable model. Read from the compiled model
    of the process cache: no query while it is warm."""
    model = published_model_get(user=user)
    if model is None:
        return None
    return PublishedFeatures(
        run_id=model.run_id,
        run_name=f"Run #{model.run_id}",
        dataset_name=model.dataset_name,
        features=tuple(_profile_feature(feature) for feature in model.inputs),
    )


def _profile_feature(feature: FeatureInput) -> ProfileFeature:
    if feature.kind == "numeric":
        low, high = feature.minimum, feature.maximum
        key = feature.alias if feature.alias in NUMBER_RULES else None
        if key is not None and not all(
            value is None or in_range(NUMBER_RULES[key], value) for value in (low, high)
        ):
            key = None  # the column's values break 004's rule for its name: use the column
        key = key or feature.name
        rule = NUMBER_RULES.get(key)  # a column named like a 004 field is checked by its rule
        return ProfileFeature(
            key=key,
            column=feature.name,
            label=feature_label(key),
            kind="number",
            minimum=low,
            maximum=high,
            rule_minimum=rule.minimum if rule else None,
            rule_maximum=rule.maximum if rule else None,
            whole=rule.whole if rule else False,
        )
    sex = feature.alias == "sex" and set(feature.categories) <= set(SEX_VALUES)
    key = "sex" if sex else feature.name
    return ProfileFeature(
        key=key,
        column=feature.name,
        label=feature_label(key),
        kind="category",
        categories=SEX_VALUES if key == "sex" else feature.categories,
    )


def profile_record(*, profile: CustomerProfile) -> dict[str, Any]:
    """The prediction input a saved profile stands for: document 004's fields it has, then its
    other features (`extra_features`)."""
    record = {
        name: getattr(profile, name)
        for name in CONTRACT_FIELDS
        if getattr(profile, name) not in (None, "")
    }
    record.update(profile.extra_features or {})
    return record


def feature_value(record: dict[str, Any], feature: ProfileFeature) -> Any:
    """A feature's value in a record, under its key or its dataset column (None: missing)."""
    value = record.get(feature.key)
    return record.get(feature.column) if value is None else value


def feature_label(key: str) -> str:
    """'annual_income' -> 'Annual income'."""
    text = " ".join(key.replace("_", " ").split()) or key
    return text[:1].upper() + text[1:]


def prediction_list(*, user: User) -> QuerySet[Prediction]:
    """The caller's own prediction history, newest first."""
    return Prediction.objects.filter(user=user)


def prediction_get(*, user: User, pk: int) -> Prediction:
    """One of the caller's own predictions; Http404 otherwise."""
    return get_object_or_404(prediction_list(user=user), pk=pk)


# --- Document 003: one customer of the published segmentation --------------------------------
POPULATION_CACHE_S = 3600  # a dataset never changes after upload; rules change only on restart


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _population(*, dataset: Dataset, roles: dict[str, str], rules: SegmentRules) -> dict:
    """Dataset-wide figures the row rules need (income unit, CLV tier bounds, value ranks),
    read from the Parquet copy once and kept in the shared cache."""
    digest = hashlib.sha256(repr(rules).encode()).hexdigest()[:16]
    key = f"customer-segment-population:{dataset.pk}:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    wanted = [
        roles[r]
        for r in ("income", "purchase_amount", "purchase_frequency", "tenure")
        if r in roles
    ]
    frame = (
        dataset_population_frame(dataset=dataset, columns=wanted)[0] if wanted else pd.DataFrame()
    )
    population: dict[str, Any] = {"income_scale": 1.0, "clv_thresholds": {}, "values": None}
    column = {
        role: pd.to_numeric(frame[roles[role]], errors="coerce")
        for role in roles
        if roles[role] in frame
    }
    if "income" in column:
        population["income_scale"] = income_scale(column["income"], income_column=roles["income"])
    value = None
    if {"purchase_amount", "purchase_frequency", "tenure"} <= set(column):
        value = (
            column["purchase_amount"]
            * column["purchase_frequency"]
            * lifespan_years(column["tenure"], tenure_column=roles["tenure"])
        )
        population["clv_thresholds"] = clv_thresholds(value, rules=rules)
    elif {"purchase_amount", "purchase_frequency"} <= set(column):
        value = column["purchase_amount"] * column["purchase_frequency"]
    elif "income" in column:
        value = column["income"]
    if value is not None:
        population["values"] = _quantile_grid(value)
    if "purchase_frequency" in column:
        population["frequencies"] = _quantile_grid(column["purchase_frequency"])
    cache.set(key, population, POPULATION_CACHE_S)
    return population


# Percentiles are read from 1,001 quantiles (0.1% resolution), not from every value: a
# million-row dataset would otherwise move ~20 MB through the cache on every look-up.
PERCENTILE_GRID_POINTS = 1001


def _quantile_grid(values: pd.Series) -> list[float] | None:
    finite = values.dropna().to_numpy(dtype=float)
    if not len(finite):
        return None
    return np.quantile(finite, np.linspace(0.0, 1.0, PERCENTILE_GRID_POINTS)).tolist()


def _percentile(grid: list[float] | None, value: float | None) -> float | None:
    """The share (0-100) of the population at or below `value`, from its quantile grid."""
    if not grid or value is None:
        return None
    return 100.0 * bisect.bisect_right(grid, value) / len(grid)


def customer_segment_get(*, user: User, external_id: str, include_insights: bool) -> dict:
    """Document 003's customer look-up: the customer (by its id in the published run's dataset,
    see `customer_lookup.customer_find`) with its rule-based segments, where the dataset has the
    columns, its published cluster, and (`compared_with_segment`) its own values next to its
    segment's typical ones. Conflict when nothing is published or the id is ambiguous; Http404
    for an id the dataset does not have."""
    run = published_run_get(user=user)
    if run is None:
        raise Conflict(NOTHING_PUBLISHED_LOOKUP)
    # The customer, its cluster label and the cluster's name in one query.
    label = Assignment.objects.filter(run=run, customer=OuterRef("pk")).values("cluster_label")
    name = Cluster.objects.filter(run=run, label=OuterRef("cluster_label")).values("name")
    customers = (
        Customer.objects.filter(dataset_id=run.dataset_id)
        .annotate(cluster_label=Subquery(label[:1]))
        .annotate(cluster_name=Subquery(name[:1]))
    )
    customer = customer_find(customers=customers, external_id=external_id)
    attributes = customer_attributes(dataset=run.dataset, row_numbers=[customer.row_number]).get(
        customer.row_number, {}
    )
    roles = role_columns(run.dataset.schema or [])
    rules = segment_rules()
    population = _population(dataset=run.dataset, roles=roles, rules=rules)

    def attr(role: str) -> Any:
        return attributes.get(roles[role]) if role in roles else None

    segments: dict[str, Any] = {}
    for role in ("gender", "region"):
        if attr(role) is not None:
            segments[role] = str(attr(role))
    if "age" in roles:
        segments["age_group"] = age_group_of(_number(attr("age")), rules=rules)
    if "income" in roles:
        segments["income_bracket"] = income_bracket_of(
            _number(attr("income")), rules=rules, scale=population["income_scale"]
        )
    segments["cluster_id"] = customer.cluster_label
    segments["cluster_label"] = customer.cluster_name
    amount, frequency = _number(attr("purchase_amount")), _number(attr("purchase_frequency"))
    if "purchase_amount" in roles:
        segments["purchase_tier"] = purchase_tier_of(amount, rules=rules, frequency=frequency)
    value = None
    tenure = _number(attr("tenure"))
    if None not in (amount, frequency, tenure) and "tenure" in roles:
        value = clv_of(
            purchase_amount=amount,
            purchase_frequency=frequency,
            lifespan_in_years=lifespan_years(tenure, tenure_column=roles["tenure"]),
        )
        segments["clv_tier"] = clv_tier_of(
            value, thresholds=population["clv_thresholds"], rules=rules
        )
        segments["calculated_clv"] = round(value, 2)
    elif amount is not None and frequency is not None:
        value = amount * frequency
    elif "income" in roles:
        value = _number(attr("income"))

    raw_id = attr("customer_id")
    data: dict[str, Any] = {"customer_id": raw_id if raw_id is not None else customer.external_id}
    for role in ("name", "email"):
        if attr(role) is not None:
            data[role] = attr(role)
    data["segments"] = segments
    profile = (
        Cluster.objects.filter(run=run, label=customer.cluster_label)
        .values_list("profile", flat=True)
        .first()
    )
    data["compared_with_segment"] = segment_comparison(
        attributes=attributes, profile=profile or {}, features=run.features or [], roles=roles
    )
    data["explanation"] = customer_explanation(
        run=run, attributes=attributes, cluster_label=customer.cluster_label
    )
    if include_insights:
        data["insights"] = _insights(
            population=population, value=value, frequency=frequency, attributes=attributes
        )
    return data


def _insights(
    *, population: dict, value: float | None, frequency: float | None, attributes: dict
) -> dict[str, Any]:
    """Value score = the customer's percentile of value (CLV, else yearly spend, else income);
    churn risk from the percentile of purchase frequency; product affinity from any product or
    category column."""
    score = _percentile(population.get("values"), value)
    frequency_rank = _percentile(population.get("frequencies"), frequency)
    if frequency_rank is None:
        churn = "Unknown"
    else:
        churn = "High" if frequency_rank < 33 else "Medium" if frequency_rank < 66 else "Low"
    affinity = [
        str(v)
        for k, v in attributes.items()
        if v not in (None, "") and ("product" in k.lower() or "category" in k.lower())
    ]
    return {
        "value_score": round(score) if score is not None else None,
        "churn_risk": churn,
        "product_affinity": affinity,
    }
