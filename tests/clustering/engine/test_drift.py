"""The drift arithmetic of `clustering.engine.drift` (no database): PSI against a value worked
out by hand, identical data, shifted data, categories training never saw, the verdict and the
advice sentences."""

import math

import numpy as np
import pandas as pd
import pytest

from clustering.engine import drift
from common.numbers import number_text


def test_psi_matches_a_value_worked_out_by_hand():
    # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.25 ln 2 + 0.25 ln 1.5
    assert drift.psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.25 * math.log(3), abs=1e-12)
    assert drift.psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.274653, abs=1e-6)


def test_an_empty_bin_counts_as_the_epsilon_share():
    # A bin empty in training holding 10 % of the new rows: (0.1 - 1e-4) ln(0.1 / 1e-4).
    expected = [0.5, 0.5, 0.0]
    actual = [0.45, 0.45, 0.1]
    by_hand = 2 * (0.45 - 0.5) * math.log(0.45 / 0.5) + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
    assert drift.PSI_EPSILON == 1e-4
    assert drift.psi(expected, actual) == pytest.approx(by_hand, rel=1e-12)
    assert drift.psi([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) == 0.0  # empty on both sides: nothing


def test_numeric_psi_on_a_tiny_example_by_hand():
    # Training 1..10: deciles 1.9, 2.8, ..., 9.1, so each value has a bin of its own (10 %).
    reference = drift.numeric_reference("x", pd.Series(np.arange(1.0, 11.0)))
    assert reference.edges == pytest.approx([1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1])
    assert reference.shares == pytest.approx([0.1] * 10 + [0.0])  # the missing bin last
    # New rows: 1, 1, 2, 10 and a missing value -> bins 0 (40 %), 1 (20 %), 9 (20 %), missing.
    result = drift.feature_drift(reference, pd.Series([1.0, 1.0, 2.0, 10.0, None]))
    e, eps = 0.1, 1e-4
    by_hand = (
        (0.4 - e) * math.log(0.4 / e)
        + 2 * (0.2 - e) * math.log(0.2 / e)
        + 7 * (eps - e) * math.log(eps / e)
        + (0.2 - eps) * math.log(0.2 / eps)
    )
    assert result.psi == pytest.approx(by_hand, abs=1e-6)
    assert result.level == "major"
    assert [b["label"] for b in result.bins][:2] == ["≤ 1.90", "1.90 to 2.80"]
    assert result.bins[-1] == {"label": "missing", "expected": 0.0, "actual": 0.2}


def test_identical_data_has_psi_zero_on_every_feature_and_is_stable():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "income": rng.lognormal(10, 0.5, 5000),
            "age": rng.integers(18, 80, 5000),
            "region": rng.choice(["North", "South", "East"], 5000),
        }
    )
    references = drift.references_of(frame, numeric=["income", "age"], categorical=["region"])
    labels = rng.integers(0, 3, 5000)
    shares = {k: (f"S{k}", 100 * float(np.mean(labels == k))) for k in range(3)}
    result = drift.drift_report(references, frame, labels=labels, published=shares)
    assert [f.psi for f in result.features] == [0.0, 0.0, 0.0]
    assert result.status == "stable"
    assert all(abs(s.shift_points) < 1e-9 for s in result.segments)
    assert result.advice[-1].startswith("No feature moved (every PSI below 0.1)")


def test_a_shifted_feature_is_major_with_advice_in_words():
    rng = np.random.default_rng(5)
    training = pd.DataFrame({"income": rng.normal(50_000, 10_000, 20_000)})
    references = drift.references_of(training, numeric=["income"], categorical=[])
    new = pd.DataFrame({"income": rng.normal(62_000, 10_000, 20_000)})
    labels = np.r_[np.zeros(15_800, int), np.ones(4_200, int)]  # 'At risk' 12 % -> 21 %
    published = {0: ("Loyal", 88.0), 1: ("At risk", 12.0)}
    result = drift.drift_report(references, new, labels=labels, published=published)
    (income,) = result.features
    assert income.psi > drift.MAJOR_PSI
    assert result.status == "major"
    shown = number_text(income.psi, 2)  # thousands separators, two decimals
    assert result.advice[0] == f"income moved (PSI {shown}): retrain."
    # Shares moved by 5 points or more are named (the verdict needs more than 10).
    assert set(result.advice[1:3]) == {
        "Predicted share of 'At risk' rose from 12 % to 21 %.",
        "Predicted share of 'Loyal' fell from 88 % to 79 %.",
    }


def test_a_segment_share_moving_more_than_ten_points_alone_is_major():
    frame = pd.DataFrame({"x": np.arange(1000.0)})
    references = drift.references_of(frame, numeric=["x"], categorical=[])
    labels = np.r_[np.zeros(389, int), np.ones(611, int)]  # 11.1 points: major on its own
    result = drift.drift_report(
        references, frame, labels=labels, published={0: ("A", 50.0), 1: ("B", 50.0)}
    )
    assert result.features[0].psi == 0.0
    assert result.status == "major"
    assert "Predicted share of 'B' rose from 50 % to 61.1 %." in result.advice


def test_moderate_between_the_thresholds():
    assert drift.psi_level(0.099) == "stable"
    assert drift.psi_level(0.1) == "moderate"
    assert drift.psi_level(0.25) == "moderate"
    assert drift.psi_level(0.2501) == "major"


def test_categories_training_never_saw_are_grouped_in_one_bin():
    training = pd.Series(["a"] * 60 + ["b"] * 30 + [None] * 10)
    reference = drift.categorical_reference("plan", training)
    assert reference.categories == ("a", "b")
    assert reference.shares == pytest.approx([0.6, 0.3, 0.0, 0.1])
    new = pd.Series(["a"] * 50 + ["b"] * 30 + ["c"] * 5 + ["d"] * 5 + [None] * 10)
    result = drift.feature_drift(reference, new)
    assert [b["label"] for b in result.bins] == ["a", "b", "unseen categories", "missing"]
    assert [b["actual"] for b in result.bins] == pytest.approx([0.5, 0.3, 0.1, 0.1])
    by_hand = (0.5 - 0.6) * math.log(0.5 / 0.6) + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
    assert result.psi == pytest.approx(by_hand, abs=1e-6)
    assert result.unseen_share == pytest.approx(0.1)
    advice = drift.advice("major", [result], [])
    assert "10 % of the rows have a plan value the training data never had" in advice[1]


def test_numbers_and_categories_read_as_the_model_reads_them():
    # 1, 1.0 and "1" are one category; infinities are missing numbers.
    reference = drift.categorical_reference("code", pd.Series([1, 2, 2, 1]))
    result = drift.feature_drift(reference, pd.Series(["1", "2", 2.0, 1.0]))
    assert result.psi == 0.0
    numeric = drift.numeric_reference("x", pd.Series([1.0, 2.0, np.inf, np.nan]))
    assert numeric.shares[-1] == 0.5


def test_a_column_of_text_where_numbers_were_trained_is_named_not_retrained_for():
    reference = drift.numeric_reference("age", pd.Series(np.arange(18, 80, dtype=float)))
    references = [reference]
    frame = pd.DataFrame({"age": ["old", "young", "mid"] * 50})

    result = drift.drift_report(references, frame, labels=np.zeros(150, dtype=int), published={})

    assert result.status == "major"
    assert (
        "age has no usable value in these rows (only text or empty cells): fix the column "
        "before reading its drift."
    ) in result.advice
    assert not any(sentence.startswith("age moved") for sentence in result.advice)


def test_a_handful_of_rows_is_said_to_be_too_few_for_a_psi():
    reference = drift.numeric_reference("age", pd.Series(np.arange(18, 80, dtype=float)))
    frame = pd.DataFrame({"age": [20.0, 40.0, 60.0]})

    result = drift.drift_report([reference], frame, labels=np.zeros(3, dtype=int), published={})

    assert result.advice[0] == (
        "Only 3 rows: PSI means little below 100 rows, so judge the drift again with more data."
    )
