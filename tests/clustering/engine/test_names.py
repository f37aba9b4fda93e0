"""Segment names: the customer-value vocabulary from recency/frequency/monetary positions, unique
names with descriptive qualifiers, figures quoted, and never "Segment N" whatever the data."""

import re

import numpy as np
import pandas as pd
import pytest

from clustering.engine import ALGORITHMS, EngineInputError, fit, load_model
from clustering.engine.words import (
    NOISE_NAME,
    artifact_names,
    characteristics,
    figures,
    name_segments,
    recommendation,
    summary,
)
from datasets.ingest.roles import NUMERIC_ROLES

NUMBERED = re.compile(r"^Segment\b|\(.*\d.*\)$")  # no "Segment 2", no numbered qualifier
RFM_ROLES = {
    "recency_days": "recency",
    "frequency": "frequency",
    "monetary": "monetary",
    "tenure_days": "tenure",
}


def rfm_position(recent: float, frequency: float, monetary: float, tenure: float | None = None):
    """Column positions (mean percentile in the whole table) of a segment; `recent` is 1 for the
    most recent buyers, so the recency column's position is its complement."""
    position = {"recency_days": 1.0 - recent, "frequency": frequency, "monetary": monetary}
    if tenure is not None:
        position["tenure_days"] = tenure
    return position


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        (rfm_position(0.85, 0.9, 0.9), "Champions"),
        (rfm_position(0.6, 0.8, 0.75, 0.7), "Loyal"),
        (rfm_position(0.8, 0.6, 0.6), "Potential loyalists"),
        (rfm_position(0.92, 0.3, 0.35, 0.1), "New customers"),
        (rfm_position(0.7, 0.35, 0.4, 0.3), "Promising"),
        (rfm_position(0.5, 0.55, 0.55), "Need attention"),
        (rfm_position(0.25, 0.7, 0.7, 0.65), "At risk"),
        (rfm_position(0.1, 0.9, 0.9), "Can't lose them"),
        (rfm_position(0.22, 0.35, 0.35, 0.55), "Hibernating"),
        (rfm_position(0.05, 0.28, 0.3, 0.7), "Lost"),
    ],
)
def test_rfm_positions_choose_the_customer_value_name(position, expected):
    assert name_segments([0], roles=RFM_ROLES, positions={0: position}) == {0: expected}


def test_rfm_names_of_a_typical_run():
    positions = {
        0: rfm_position(0.65, 0.3, 0.35),  # recent one-time buyers
        1: rfm_position(0.1, 0.28, 0.3),  # one-time buyers long ago
        2: rfm_position(0.78, 0.88, 0.85),  # recent repeat buyers
        3: rfm_position(0.3, 0.75, 0.7),  # repeat buyers gone quiet
    }
    names = name_segments([0, 1, 2, 3], roles=RFM_ROLES, positions=positions)
    assert names == {0: "Promising", 1: "Lost", 2: "Champions", 3: "At risk"}


def test_rfm_needs_recency_and_frequency_or_monetary():
    positions = {0: {"frequency": 0.9, "monetary": 0.9}, 1: {"frequency": 0.3, "monetary": 0.3}}
    z_scores = {0: {"frequency": 1.2, "monetary": 1.0}, 1: {"frequency": -1.2, "monetary": -1.0}}
    roles = {"frequency": "frequency", "monetary": "monetary"}
    names = name_segments([0, 1], roles=roles, positions=positions, z_scores=z_scores)
    assert names == {0: "High frequency, high monetary", 1: "Low frequency, low monetary"}


def test_rfm_works_with_purchase_frequency_and_amount_roles():
    roles = {"days_since_last_order": "recency", "orders": "purchase_frequency"}
    positions = {0: {"days_since_last_order": 0.15, "orders": 0.9}}
    assert name_segments([0], roles=roles, positions=positions) == {0: "Champions"}


def test_two_segments_with_one_name_are_told_apart_by_spend():
    positions = {0: rfm_position(0.6, 0.8, 0.8, 0.7), 1: rfm_position(0.62, 0.78, 0.7, 0.7)}
    z_scores = {
        0: {"recency_days": -0.3, "frequency": 1.0, "monetary": 2.5, "tenure_days": 0.5},
        1: {"recency_days": -0.35, "frequency": 0.9, "monetary": 0.8, "tenure_days": 0.5},
    }
    names = name_segments([0, 1], roles=RFM_ROLES, positions=positions, z_scores=z_scores)
    assert names == {0: "Loyal (high spend)", 1: "Loyal (low spend)"}


def test_three_segments_with_one_name_get_low_mid_high():
    positions = {label: rfm_position(0.05, 0.28, 0.3) for label in range(3)}
    z_scores = {
        label: {"recency_days": recency, "frequency": -0.5, "monetary": -0.4}
        for label, recency in enumerate((1.4, 2.0, 1.1))
    }
    names = name_segments([0, 1, 2], roles=RFM_ROLES, positions=positions, z_scores=z_scores)
    assert names == {0: "Lost (mid recency)", 1: "Lost (lapsed)", 2: "Lost (recent)"}


def test_many_segments_with_one_name_are_qualified_on_two_axes_never_numbered():
    labels = list(range(8))
    positions = {label: rfm_position(0.85, 0.9, 0.9) for label in labels}
    z_scores = {
        label: {"recency_days": -0.1 * (label % 2), "frequency": 1.0, "monetary": 1.0 + label}
        for label in labels
    }
    names = name_segments(labels, roles=RFM_ROLES, positions=positions, z_scores=z_scores)
    assert len(set(names.values())) == 8
    assert all(name.startswith("Champions (") for name in names.values())
    assert not any(NUMBERED.search(name) for name in names.values())
    assert names[7] == "Champions (highest spend)"
    assert names[5] == "Champions (high spend, recent)"  # 5 and 6 share a spend level
    assert names[6] == "Champions (high spend, lapsed)"


def test_segments_alike_on_every_axis_become_variants_with_letters():
    z_scores = {0: {"x": 0.0}, 1: {"x": 0.0}}
    assert name_segments([0, 1], z_scores=z_scores) == {
        0: "Typical customers (variant A)",
        1: "Typical customers (variant B)",
    }


def test_descriptive_names_are_unique_with_qualifiers():
    z_scores = {
        0: {"visits": 2.0, "basket": -1.0, "age": 0.5},
        1: {"visits": 1.5, "basket": -1.2, "age": -0.6},
        2: {"visits": -1.5, "basket": 0.9, "age": 0.0},
    }
    names = name_segments([0, 1, 2], z_scores=z_scores)
    assert names == {
        0: "High visits, low basket (high age)",
        1: "High visits, low basket (low age)",
        2: "Low visits, high basket",
    }


def test_noise_unknown_and_size_only_segments_have_descriptive_names():
    assert name_segments([-1, 0]) == {-1: NOISE_NAME, 0: "Unprofiled customers"}
    assert name_segments([0, 1, 2, 3], percentages={0: 10.0, 1: 50.0, 2: 25.0, 3: 15.0}) == {
        0: "Niche group (smaller)",
        1: "Core customers",
        2: "Major group",
        3: "Niche group (larger)",
    }


def test_characteristics_and_recommendation_quote_the_segments_figures():
    means = {"recency_days": 12.3, "frequency": 8.42, "monetary": 1240.4, "tenure_days": 400.0}
    overall = {"recency_days": 95.0, "frequency": 2.1, "monetary": 310.0, "tenure_days": 380.0}
    z_scores = {"recency_days": -0.8, "frequency": 1.3, "monetary": 1.1, "tenure_days": 0.1}
    quoted = figures(means=means, z_scores=z_scores, roles=RFM_ROLES)
    assert quoted == "last purchase 12 days ago on average, 8.4 purchases, 1,240 spent"
    traits = characteristics(
        z_scores={**z_scores, "age": 0.9},
        roles={**RFM_ROLES, "age": "age"},
        leaders={},
        means=means,
        overall_means=overall,
    )
    assert traits == [
        "Last purchase 12 days ago on average (all customers: 95)",
        "8.4 purchases on average (all customers: 2.1)",
        "1,240 spent on average (all customers: 310)",
        "Customers for 400 days on average (all customers: 380)",
        "Older customers",
    ]
    text = recommendation(name="Champions", label=0, percentage=8.0, rank=2, figures=quoted)
    assert text.startswith(
        'Reward "Champions" (last purchase 12 days ago on average, 8.4 purchases, 1,240 spent): '
    )
    qualified = recommendation(
        name="Loyal (high spend)", label=1, percentage=8.0, rank=2, figures=quoted
    )
    assert qualified.startswith('Upsell "Loyal (high spend)" (last purchase 12 days ago')


def test_figures_read_units_from_column_names():
    roles = {"weeks_since_last_order": "recency", "orders": "purchase_frequency"}
    means = {"weeks_since_last_order": 3.0, "orders": 14.0}
    assert figures(means=means, z_scores={}, roles=roles) == (
        "last purchase 3 weeks ago on average, 14 purchases"
    )


def test_models_without_names_are_named_from_their_centroids(blobs):
    frame, _ = blobs
    artifact = fit(frame, params={"n_clusters": 4, "stability": False}).artifact
    unnamed = {**artifact, "names": None}
    names = artifact_names(unnamed)
    assert len(set(names)) == 4
    assert not any(NUMBERED.search(name) for name in names)
    model = load_model(unnamed)
    assert model.names == names
    assert model.name_of(-1) == NOISE_NAME


def _random_dataset(rng: np.random.Generator) -> tuple[pd.DataFrame, list[dict]]:
    """Mixed columns with random roles around 1-4 latent groups: numeric (normal, lognormal,
    counts with most rows at 1, nearly constant), categorical, sometimes missing values and a few
    far-out rows; roles drawn from both vocabularies."""
    rows = int(rng.integers(30, 160))
    group = rng.integers(0, int(rng.integers(1, 5)), rows)
    roles = [None, *NUMERIC_ROLES]
    columns, schema, taken = {}, [], set()
    for index in range(int(rng.integers(1, 6))):
        name = f"col{index}"
        shape = rng.integers(0, 5)
        centres = rng.normal(0, 3, 4)[group]
        if shape == 0:
            values = rng.normal(centres * rng.uniform(1, 10), rng.uniform(0.1, 5), rows)
        elif shape == 1:
            values = rng.lognormal(3 + centres / 3, 1.0, rows)
        elif shape == 2:
            values = 1 + np.where(rng.random(rows) < 0.6, 0, rng.poisson(np.abs(centres) + 1))
        elif shape == 3:
            values = np.where(rng.random(rows) < 0.9, 5.0, rng.normal(5, 1, rows))
        else:
            categories = np.array([f"v{i}" for i in range(int(rng.integers(2, 6)))])
            codes = (group + (rng.random(rows) < 0.3) * rng.integers(0, 5, rows)) % len(categories)
            columns[name] = categories[codes]
            schema.append({"name": name, "dtype": "object", "kind": "categorical", "role": None})
            continue
        values = values.astype(float)
        values[: int(rng.integers(0, 4))] *= 50  # far-out rows: DBSCAN's noise
        if rng.random() < 0.2:
            values[rng.random(rows) < 0.1] = np.nan
        role = roles[int(rng.integers(0, len(roles)))]
        role = None if role in taken else role
        taken.add(role)
        columns[name] = values
        schema.append({"name": name, "dtype": "float64", "kind": "numeric", "role": role})
    return pd.DataFrame(columns), schema


@pytest.mark.filterwarnings(  # duplicate rows, flat k-distance curves: expected on random data
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore:invalid value encountered:RuntimeWarning",
)
@pytest.mark.parametrize("seed", range(200))
def test_names_are_never_numbered_and_unique_per_run_whatever_the_data(seed):
    rng = np.random.default_rng(seed)
    frame, schema = _random_dataset(rng)
    algorithm = ALGORITHMS[seed % len(ALGORITHMS)]
    params = {"stability": False, "random_state": seed}
    if algorithm != "dbscan":
        params["n_clusters"] = int(rng.integers(2, 7))
    else:
        params["min_samples"] = 4
    try:
        result = fit(frame, schema=schema, algorithm=algorithm, params=params)
    except EngineInputError:  # e.g. more clusters than distinct rows: refused in words, not named
        return
    names = [cluster.name for cluster in result.clusters]
    assert len(set(names)) == len(names), names
    assert not any(re.match(r"^Segment\b", name) for name in names), names
    assert all(name and len(name) <= 120 for name in names), names
    for cluster in result.clusters:
        assert (cluster.name == NOISE_NAME) == (cluster.label < 0)
        assert not re.search(r"\bSegment \d", cluster.recommendation)


def test_a_one_customer_segment_reads_as_one_customer_and_figures_drop_a_trailing_zero():
    text = summary(
        name="Whale",
        label=4,
        size=1,
        percentage=100 / 3_000,
        means={},
        overall_means={},
        z_scores={},
        traits=[],
    )
    assert text.startswith("Cluster 4 (Whale) contains 1 customer (0.033% of total).")
    roles = {"recency_days": "recency", "frequency": "frequency"}
    quoted = figures(means={"recency_days": 2.0, "frequency": 19.0}, z_scores={}, roles=roles)
    assert quoted == "last purchase 2 days ago on average, 19 purchases"
