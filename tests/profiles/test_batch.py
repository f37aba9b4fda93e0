"""Batches of customers: the column-wise check gives `clean`'s answer record by record, the
one-statement insert stores what the ORM would, and the predictions renderer answers what the
project's safe renderer answers."""

import math

import numpy as np
import pytest
from django.test import TestCase

from clustering.services import run_publish
from config.api.renderers import SafeJSONRenderer
from profiles.api.renderers import PredictionJSONRenderer
from profiles.models import Prediction
from profiles.predictor.checks import PredictionBatchError, PredictionInputError
from profiles.predictor.model import compile_artifact

from .conftest import DOC004_BODY, train, upload_customers

PREDICTIONS = "/api/v1/predictions/"
OWN_COLUMNS = ["age", "gender", "region", "annual_income", "tenure_months"]


def _model(run):
    roles = {column["name"]: column.get("role") for column in run.dataset.schema}
    return compile_artifact(run.model_artifact, roles=roles, run_id=run.pk)


def _one_by_one(model, records):
    """What `clean` answers for each record: (values, echo) or its errors."""
    answers = []
    for record in records:
        try:
            answers.append(model.clean(record))
        except PredictionInputError as exc:
            answers.append(exc.errors)
    return answers


def _doc004_records(rng, n):
    return [
        {
            "sex": ["Male", "Female"][int(rng.integers(0, 2))],
            "age": [int(rng.integers(18, 101)), float(rng.integers(18, 101))][i % 2],
            "annual_income": [float(rng.uniform(0, 200)), int(rng.integers(0, 200))][i % 3 == 0],
            "spending_score": int(rng.integers(1, 101)),
            "purchase_frequency": float(rng.uniform(0, 70)),
            "note": "ignored",
        }
        for i in range(n)
    ]


@pytest.mark.django_db
def test_clean_batch_matches_clean_record_by_record(published_run):
    model = _model(published_run)
    records = _doc004_records(np.random.default_rng(3), 300)

    batch = model.clean_batch(records)

    assert model._clean_columns(records) is not None  # the column-wise check decided
    expected = _one_by_one(model, records)
    assert batch.echoes == [echo for _, echo in expected]
    assert [list(map(type, echo.values())) for echo in batch.echoes] == [
        list(map(type, echo.values())) for _, echo in expected
    ]
    for name, column in batch.columns.items():
        assert column == [values[name] for values, _ in expected]


@pytest.mark.django_db
def test_clean_batch_matches_clean_for_own_columns_and_aliases():
    run = train(upload_customers(rows=250, seed=5), features=OWN_COLUMNS, publish=False)
    model = _model(run)
    rng = np.random.default_rng(9)
    regions = ["North", " South ", "East", "West", "Central"]
    records = [
        {
            "age": int(rng.integers(18, 101)),
            "sex" if i % 2 else "gender": "Male",
            "region": regions[int(rng.integers(0, 5))],
            "annual_income": float(rng.uniform(0, 200)),
            "tenure_months": int(rng.integers(1, 121)),
        }
        for i in range(40)
    ]
    by_alias = [{k: v for k, v in r.items() if k != "gender"} | {"sex": "Male"} for r in records]
    by_name = [{k: v for k, v in r.items() if k != "sex"} | {"gender": "Male"} for r in records]

    assert model._clean_columns(records) is None  # keys differ between records: `clean` decides
    for batch_records in (records, by_alias, by_name):
        batch = model.clean_batch(batch_records)
        expected = _one_by_one(model, batch_records)
        assert batch.echoes == [echo for _, echo in expected]
        for name, column in batch.columns.items():
            assert column == [values[name] for values, _ in expected]
    assert model._clean_columns(by_alias) is not None
    assert model._clean_columns(by_name) is not None


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"age": 17}, "age"),
        ({"age": 30.5}, "age"),
        ({"age": True}, "age"),
        ({"age": None}, "age"),
        ({"sex": "male"}, "sex"),
        ({"annual_income": -1}, "annual_income"),
        ({"annual_income": 10**400}, "annual_income"),
        ({"spending_score": "50"}, "spending_score"),
        ({"purchase_frequency": [1]}, "purchase_frequency"),
    ],
)
@pytest.mark.django_db
def test_clean_batch_names_each_bad_record_and_field(published_run, bad, field):
    model = _model(published_run)
    records = [dict(DOC004_BODY) for _ in range(5)]
    records[1].update(bad)
    records[3].update(bad)

    with pytest.raises(PredictionBatchError) as caught:
        model.clean_batch(records)

    assert sorted(caught.value.errors) == [1, 3]
    assert list(caught.value.errors[1]) == [field]


@pytest.mark.django_db
def test_clean_batch_names_a_feature_missing_from_some_records(published_run):
    model = _model(published_run)
    records = [dict(DOC004_BODY) for _ in range(3)]
    del records[2]["spending_score"]

    with pytest.raises(PredictionBatchError) as caught:
        model.clean_batch(records)

    assert "required" in caught.value.errors[2]["spending_score"]


@pytest.mark.django_db
def test_predictions_batch_stores_what_it_answers(user_client, user):
    run = train(upload_customers(rows=250, seed=5), features=OWN_COLUMNS, publish=False)
    awkward = ['Quote "q"', "Back\\slash", "Tab\there", "Ünïcødé ✓", "Line\nbreak'"]
    run.model_artifact = {**run.model_artifact, "names": awkward[:4]}
    run.save(update_fields=["model_artifact"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        run_publish(run=run, user=run.dataset.owner)
    records = [
        {
            "age": 20 + i,
            "gender": "Female",
            "region": "North",
            "annual_income": 50.5 + i * 7,
            "tenure_months": 12 + i * 4,
            "label": awkward[i % len(awkward)],  # not a feature: ignored, never echoed
        }
        for i in range(25)
    ]
    records[0]["sex"] = "Female"

    response = user_client.post(PREDICTIONS, {"records": records}, format="json")

    assert response.status_code == 201
    results = response.json()["results"]
    ids = [r["id"] for r in results]
    assert ids == sorted(ids)
    assert len(set(ids)) == 25
    stored = {p.pk: p for p in Prediction.objects.filter(user=user)}
    assert sorted(stored) == ids
    for answer in results:
        row = stored[answer["id"]]
        assert row.input == answer["input"]
        assert (row.cluster, row.cluster_name) == (answer["cluster"], answer["cluster_name"])
        assert row.confidence == answer["confidence"]
        assert (row.run_id, row.profile_id) == (run.pk, None)
        assert row.created_at.isoformat().replace("+00:00", "Z") == answer["created_at"]
    assert results[0]["input"]["sex"] == "Female"
    assert {r["cluster_name"] for r in results} <= set(awkward)
    assert len({r["cluster_name"] for r in results}) > 1
    assert [r["input"]["age"] for r in results] == [20 + i for i in range(25)]


@pytest.mark.django_db
def test_predictions_batch_of_the_limit_is_one_insert(published_run, user_client, user):
    rng = np.random.default_rng(1)
    records = _doc004_records(rng, 1000)

    response = user_client.post(PREDICTIONS, {"records": records}, format="json")

    assert response.status_code == 201
    assert response.json()["count"] == 1000
    assert Prediction.objects.filter(user=user).count() == 1000
    model = _model(published_run)
    labels, _, confidences = model.predict_batch(model.clean_batch(records))
    assert [r["cluster"] for r in response.json()["results"]] == labels
    assert [r["confidence"] for r in response.json()["results"]] == confidences


@pytest.mark.parametrize(
    "data",
    [
        {"count": 2, "results": [{"a": 1.5, "b": "x", "c": None, "d": [1, 2]}]},
        {"detail": "Ünïcødé \u2028 separator"},
        {"value": math.nan, "inner": {"x": [math.inf, 1.0]}, "n": np.float32(2.5)},
        [np.int64(3), np.array([1.0, np.nan])],
    ],
)
def test_prediction_renderer_answers_as_the_safe_renderer(data):
    assert PredictionJSONRenderer().render(data) == SafeJSONRenderer().render(data)
