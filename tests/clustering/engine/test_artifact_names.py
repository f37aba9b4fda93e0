"""Renaming segments in a fitted model's artifact and in the texts written at fit time: the
compiled model then answers with the new names, and nothing else of the model changes."""

import numpy as np

from clustering.engine import artifact_with_names, fit, load_model
from clustering.engine.words import renamed_in_text
from tests.clustering.engine.conftest import CUSTOMER_SCHEMA


def test_compiled_model_answers_the_new_name_and_predicts_the_same_labels(customers):
    frame, _ = customers
    artifact = fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 4}).artifact
    before = load_model(artifact)

    renamed = artifact_with_names(artifact, {2: "Weekend big spenders"})
    after = load_model(renamed)

    assert after.name_of(2) == "Weekend big spenders"
    assert [after.name_of(label) for label in (0, 1, 3)] == [
        before.name_of(label) for label in (0, 1, 3)
    ]
    np.testing.assert_array_equal(after.predict(frame)[0], before.predict(frame)[0])
    assert artifact["names"] == list(before.names)  # the original is not changed
    assert {key: value for key, value in renamed.items() if key != "names"} == {
        key: value for key, value in artifact.items() if key != "names"
    }


def test_a_label_the_model_never_predicts_leaves_the_names_alone(customers):
    frame, _ = customers
    artifact = fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 3}).artifact

    assert artifact_with_names(artifact, {-1: "Outliers"})["names"] == artifact["names"]


def test_an_artifact_without_names_keeps_the_names_it_was_read_with(customers):
    frame, _ = customers
    artifact = dict(fit(frame, schema=CUSTOMER_SCHEMA, params={"n_clusters": 3}).artifact)
    del artifact["names"]
    read = load_model(artifact)

    renamed = load_model(artifact_with_names(artifact, {1: "Core"}))

    assert [renamed.name_of(label) for label in (0, 1, 2)] == [
        read.name_of(0),
        "Core",
        read.name_of(2),
    ]


def test_renamed_in_text_changes_the_quoted_name_only():
    summary = "Cluster 1 (Big Spenders) contains 40 customers. Big Spenders buy often."
    advice = 'Keep "Big Spenders" (spend 900) spending with exclusive launches.'

    assert renamed_in_text(summary, old="Big Spenders", new="VIPs") == (
        "Cluster 1 (VIPs) contains 40 customers. Big Spenders buy often."
    )
    assert renamed_in_text(advice, old="Big Spenders", new="VIPs") == (
        'Keep "VIPs" (spend 900) spending with exclusive launches.'
    )
    assert renamed_in_text("", old="Big Spenders", new="VIPs") == ""
