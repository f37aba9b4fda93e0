"""`warnings` and `confidence_note` in every prediction answer: document 004's `/predict`, the
canonical `/api/v1/predictions/` (one customer and a batch) and `/api/v1/profiles/{id}/predict/`,
on a published segmentation trained with incomes in units (17,000-140,000, not thousands)."""

import pytest
from django.test import TestCase
from drf_spectacular.generators import SchemaGenerator

from clustering.services import run_publish
from datasets.demo import generate_customers
from profiles.models import Prediction
from tests.factories import CustomerProfileFactory

from .conftest import train, upload_customers

PREDICT = "/predict"
PREDICTIONS = "/api/v1/predictions/"
CUSTOMER = {
    "sex": "Female",
    "age": 29,
    "annual_income": 95_000,
    "spending_score": 80,
    "purchase_frequency": 30,
}


@pytest.fixture
def income_in_units(db):
    """A published segmentation whose customers' incomes are in units; its lowest and highest."""
    frame = generate_customers(300, seed=0)
    frame["annual_income"] = (frame["annual_income"] * 1000).round()
    run = train(upload_customers(frame=frame))
    low, high = frame["annual_income"].min(), frame["annual_income"].max()
    return run, f"({low:,.0f}-{high:,.0f})"


def _income_warning(range_text: str) -> str:
    return (
        f"Annual income 95 is below every customer in the training data {range_text}: "
        "did you mean 95,000?"
    )


@pytest.mark.django_db
def test_predict_warns_about_income_typed_in_thousands(income_in_units, user_client, user):
    _, range_text = income_in_units

    response = user_client.post(PREDICT, {**CUSTOMER, "annual_income": 95}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["warnings"] == [_income_warning(range_text)]
    assert body["customer_data"]["annual_income"] == 95
    assert body["confidence_note"].startswith(f"{body['confidence']}% confidence: ")
    assert body["cluster_name"] in body["confidence_note"]
    assert "typically get" in body["confidence_note"]
    assert Prediction.objects.get(user=user).input["annual_income"] == 95


@pytest.mark.django_db
def test_predict_inside_the_range_has_an_empty_warnings_list(income_in_units, user_client):
    body = user_client.post(PREDICT, CUSTOMER, format="json").json()

    assert body["warnings"] == []
    assert body["confidence_note"]


@pytest.mark.django_db
def test_the_canonical_predictions_answer_warnings_and_note(income_in_units, user_client):
    _, range_text = income_in_units

    one = user_client.post(PREDICTIONS, {**CUSTOMER, "annual_income": 95}, format="json")
    batch = user_client.post(
        PREDICTIONS,
        {"records": [CUSTOMER, {**CUSTOMER, "annual_income": 95}, {**CUSTOMER, "age": 99}]},
        format="json",
    )

    assert one.status_code == 201
    assert one.json()["warnings"] == [_income_warning(range_text)]
    assert one.json()["confidence_note"].startswith(f"{round(one.json()['confidence'])}% ")
    assert batch.status_code == 201
    results = batch.json()["results"]
    assert results[0]["warnings"] == []
    assert results[1]["warnings"] == [_income_warning(range_text)]
    assert results[2]["warnings"][0].startswith("Age 99 is above every customer in the training")
    assert all(result["confidence_note"] for result in results)
    # Answered, not recorded: the recorded predictions read as before.
    listed = user_client.get(PREDICTIONS).json()["results"][0]
    assert "warnings" not in listed


@pytest.mark.django_db
def test_a_profile_prediction_answers_warnings_and_note(income_in_units, user_client, user):
    _, range_text = income_in_units
    profile = CustomerProfileFactory(owner=user, age=29, annual_income=95.0)

    response = user_client.post(f"/api/v1/profiles/{profile.pk}/predict/")

    assert response.status_code == 201
    assert response.json()["warnings"] == [_income_warning(range_text)]
    assert response.json()["confidence_note"]


@pytest.mark.django_db
def test_a_model_saved_before_the_ranges_answers_no_warnings(user_client):
    frame = generate_customers(300, seed=0)
    frame["annual_income"] = (frame["annual_income"] * 1000).round()
    run = train(upload_customers(frame=frame), publish=False)
    run.model_artifact = {
        key: value
        for key, value in run.model_artifact.items()
        if key not in ("ranges", "typical_confidences")
    }
    run.save(update_fields=["model_artifact"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        run_publish(run=run, user=run.dataset.owner)

    body = user_client.post(PREDICT, {**CUSTOMER, "annual_income": 95}, format="json").json()

    assert body["warnings"] == []
    assert body["confidence_note"].startswith(f"{body['confidence']}% confidence: ")
    assert "typically" not in body["confidence_note"]


@pytest.mark.django_db
def test_the_schema_types_warnings_and_note_in_every_prediction_answer():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    predict = schema["paths"]["/predict"]["post"]["responses"]["200"]
    properties = predict["content"]["application/json"]["schema"]["properties"]
    assert properties["warnings"] == {
        "type": "array",
        "items": {"type": "string"},
        "description": properties["warnings"]["description"],
    }
    assert properties["confidence_note"]["type"] == "string"

    made = components["PredictionMade"]["properties"]
    assert made["warnings"]["type"] == "array"
    assert made["warnings"]["items"]["type"] == "string"
    assert made["confidence_note"]["type"] == "string"
    created = schema["paths"]["/api/v1/predictions/"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PredictionMadeOrBatch"
    }
    assert {"$ref": "#/components/schemas/PredictionMade"} in components["PredictionMadeOrBatch"][
        "oneOf"
    ]
    batch_results = components["PredictionMadeBatch"]["properties"]["results"]["items"]
    assert batch_results == {"$ref": "#/components/schemas/PredictionMade"}
    profile = schema["paths"]["/api/v1/profiles/{id}/predict/"]["post"]["responses"]["201"]
    assert profile["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PredictionMade"
    }
