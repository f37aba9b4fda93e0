"""The words that go with a prediction (`profiles.predictor.advice`), on a real fitted model:
inputs outside the training range are named, with "did you mean" when a factor of 1,000 brings
them inside; the confidence is explained against the segment's typical one; a model saved
before the ranges existed warns about nothing."""

from dataclasses import replace

import numpy as np
import pytest

from clustering.engine import fit, load_model
from datasets.demo import generate_customers
from profiles.predictor.advice import (
    advise,
    advise_batch,
    confidence_note,
    range_warning,
    range_warnings,
)

FEATURES = ["age", "gender", "annual_income", "spending_score", "purchase_frequency"]
CUSTOMER = {
    "age": 29,
    "gender": "Female",
    "annual_income": 95_000,
    "spending_score": 80,
    "purchase_frequency": 30,
}


@pytest.fixture(scope="module")
def trained():
    """A model of customers whose income is in units (tens of thousands), not thousands."""
    frame = generate_customers(400, seed=2)
    frame["annual_income"] = (frame["annual_income"] * 1000).round()
    return frame, fit(frame, features=FEATURES, params={"n_clusters": 4}).artifact


@pytest.fixture(scope="module")
def model(trained):
    return load_model(trained[1])


def _old(artifact):
    return {k: v for k, v in artifact.items() if k not in ("ranges", "typical_confidences")}


def test_income_typed_in_thousands_is_named_with_the_value_meant(trained, model):
    frame, _ = trained
    low, high = frame["annual_income"].min(), frame["annual_income"].max()

    warnings = range_warnings(model, {**CUSTOMER, "annual_income": 95})

    assert warnings == [
        f"Annual income 95 is below every customer in the training data "
        f"({low:,.0f}-{high:,.0f}): did you mean 95,000?"
    ]


def test_a_value_a_thousand_times_too_large_suggests_dividing():
    assert range_warning("Annual income", 95_000, 15, 137) == (
        "Annual income 95,000 is above every customer in the training data (15-137): "
        "did you mean 95?"
    )


def test_a_value_no_factor_of_1000_explains_says_the_model_has_not_seen_it():
    warning = range_warning("Age", 95, 18, 67)

    assert warning.startswith("Age 95 is above every customer in the training data (18-67): ")
    assert "did you mean" not in warning
    assert "treat the segment with care" in warning


def test_a_negative_range_is_written_with_to():
    assert "(-5 to 10)" in range_warning("Balance", -20, -5, 10)


def test_values_inside_the_range_give_no_warning(model):
    assert range_warnings(model, CUSTOMER) == []
    low, high = model.ranges.bounds("age")
    assert range_warning("Age", low, low, high) is None
    assert range_warning("Age", high, low, high) is None


def test_the_warning_uses_the_field_name_the_caller_sent(model):
    warnings = range_warnings(model, {**CUSTOMER, "age": 99}, names={"age": "age_years"})

    assert warnings[0].startswith("Age years 99 is above")


def test_a_model_saved_before_the_ranges_gives_no_warnings(trained):
    old = load_model(_old(trained[1]))

    advice = advise(old, {**CUSTOMER, "annual_income": 95, "age": 99})

    assert advice.warnings == ()
    assert "% confidence" in advice.confidence_note
    assert "typically" not in advice.confidence_note


def test_the_confidence_note_explains_the_number_and_the_segments_typical_one(model):
    advice = advise(model, CUSTOMER)
    label, confidence = model.predict(CUSTOMER)
    label, shown = int(label[0]), round(float(confidence[0]))
    name = model.name_of(label)
    typical = round(model.typical_confidence[label])

    note = advice.confidence_note
    assert note.startswith(f"{shown}% confidence: the distance to the centre of {name} is ")
    assert f"is {100 - shown}% of the distance to the next nearest segment, " in note
    assert f"{name} customers typically get {typical}% (the median in the training data)" in note


@pytest.mark.parametrize(
    ("confidence", "typical", "words"),
    [
        (57, 81, "this one is less clearly placed than most."),
        (95, 81, "this one is more clearly placed than most."),
        (79, 81, "this one is placed about as clearly as most."),
    ],
)
def test_the_note_compares_with_the_typical_confidence(model, confidence, typical, words):
    label, other = int(model.labels[0]), int(model.labels[1])
    compared = replace(model, typical_confidence={label: typical})

    note = confidence_note(compared, label=label, confidence=confidence, runner_up=other)

    assert note.startswith(f"{confidence}% confidence: ")
    assert f"next nearest segment, {model.name_of(other)}" in note
    assert f"typically get {typical}%" in note
    assert words in note


def test_zero_confidence_is_on_the_border(model):
    label, other = int(model.labels[0]), int(model.labels[1])

    note = confidence_note(model, label=label, confidence=0.2, runner_up=other)

    assert note.startswith(
        f"0% confidence: as near to the centre of {model.name_of(other)} as to that of "
    )


def test_the_batch_advice_is_the_one_record_advice_row_by_row(trained, model):
    frame, _ = trained
    rng = np.random.default_rng(0)
    rows = frame.sample(60, random_state=0).reset_index(drop=True)
    rows.loc[rng.choice(60, 10, replace=False), "annual_income"] /= 1000
    rows.loc[:4, "age"] = 99
    records = rows[FEATURES].to_dict("records")
    columns = {name: rows[name].tolist() for name in FEATURES}
    labels, confidences, runner_ups = model.predict_columns_runner_up(columns, n_rows=60)

    batch = advise_batch(
        model,
        columns,
        labels=labels.tolist(),
        confidences=confidences.tolist(),
        runner_ups=runner_ups.tolist(),
    )

    assert batch == [advise(model, record) for record in records]
    assert sum(bool(advice.warnings) for advice in batch) >= 10
