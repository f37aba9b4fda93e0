""" "Why this segment" in the answers: document 004's `/predict`, the canonical predictions (one
and a batch), document 003's customer look-up and `GET /api/v1/runs/{id}/customers/{id}/`. The
contributions add up to the squared-distance difference; another user's run answers 404."""

import numpy as np
import pytest

from clustering.engine import load_model
from clustering.models import Assignment
from datasets.models import Customer
from datasets.selectors import customer_attributes
from tests.factories import AnalystFactory

from .conftest import DOC004_BODY, train, upload_customers

PREDICT = "/predict"
PREDICTIONS = "/api/v1/predictions/"


def _run_customer_url(run_pk: int, customer_id: str) -> str:
    return f"/api/v1/runs/{run_pk}/customers/{customer_id}/"


def _check(explanation: dict, *, run, cluster: int, record: dict | None = None) -> None:
    """The explanation's runner-up, margin and contributions agree with the run's model."""
    names = dict(run.clusters.values_list("label", "name"))
    runner_up = explanation["runner_up"]
    assert runner_up["cluster"] != cluster
    assert runner_up["cluster_name"] == names[runner_up["cluster"]]
    margin = explanation["margin"]
    contributions = explanation["contributions"]
    assert set(contributions) == set(run.features)
    assert sum(contributions.values()) == pytest.approx(margin["squared_distance"], abs=1e-4)
    assert margin["squared_distance"] == pytest.approx(
        margin["runner_up_distance"] ** 2 - margin["own_distance"] ** 2, abs=1e-4
    )
    assert 0 <= margin["runner_up_share"] <= 100
    top = explanation["top_features"]
    assert 1 <= len(top) <= 3
    assert [reason["contribution"] for reason in top] == sorted(
        (reason["contribution"] for reason in top), reverse=True
    )
    for reason in top:
        assert reason["contribution"] > 0
        assert reason["feature"] in run.features
        assert names[cluster] in reason["sentence"]
        assert runner_up["cluster_name"] in reason["sentence"]
    if record is not None:  # the distances are the model's, for this customer
        model = load_model(run.model_artifact)
        distances = model.distances(model.transform(record))[0]
        row_of = {int(label): row for row, label in enumerate(model.labels)}
        assert margin["own_distance"] == pytest.approx(distances[row_of[cluster]], abs=1e-4)
        assert margin["runner_up_distance"] == pytest.approx(
            distances[row_of[runner_up["cluster"]]], abs=1e-4
        )
        assert np.sort(distances)[1] == pytest.approx(margin["runner_up_distance"], abs=1e-4)


@pytest.mark.django_db
def test_predict_answer_explains_the_segment(published_run, user_client):
    response = user_client.post(PREDICT, DOC004_BODY, format="json")

    assert response.status_code == 200
    body = response.json()
    assert {"cluster", "cluster_name", "confidence", "customer_data"} <= set(body)
    record = {**DOC004_BODY, "gender": DOC004_BODY["sex"]}
    _check(body["explanation"], run=published_run, cluster=body["cluster"], record=record)
    sentence = body["explanation"]["top_features"][0]["sentence"]
    assert f" in {body['cluster_name']} and " in sentence


@pytest.mark.django_db
def test_predict_answer_leaves_the_explanation_out_when_asked(published_run, user_client):
    response = user_client.post(f"{PREDICT}?explain=false", DOC004_BODY, format="json")

    assert response.status_code == 200
    assert "explanation" not in response.json()
    assert {"cluster", "cluster_name", "confidence", "customer_data"} <= set(response.json())


@pytest.mark.django_db
def test_predict_refuses_an_explain_switch_that_is_not_a_boolean(published_run, user_client):
    response = user_client.post(f"{PREDICT}?explain=maybe", DOC004_BODY, format="json")

    assert response.status_code == 400
    assert "explain" in response.json()


@pytest.mark.django_db
def test_batch_predictions_explain_every_customer(published_run, user_client):
    records = [
        {**DOC004_BODY, "age": age, "spending_score": score}
        for age, score in [(22, 90), (35, 75), (60, 10), (45, 50)]
    ]
    response = user_client.post(f"{PREDICTIONS}?explain=true", {"records": records}, format="json")

    assert response.status_code == 201
    results = response.json()["results"]
    assert len(results) == len(records)
    for result, record in zip(results, records, strict=True):
        assert result["input"] == record
        _check(
            result["explanation"],
            run=published_run,
            cluster=result["cluster"],
            record={**record, "gender": record["sex"]},
        )


@pytest.mark.django_db
def test_batch_predictions_leave_the_explanation_out_unless_asked(published_run, user_client):
    response = user_client.post(PREDICTIONS, {"records": [DOC004_BODY] * 2}, format="json")

    assert response.status_code == 201
    assert all("explanation" not in result for result in response.json()["results"])


@pytest.mark.django_db
def test_one_canonical_prediction_and_a_profile_prediction_are_explained(
    published_run, user_client
):
    one = user_client.post(PREDICTIONS, DOC004_BODY, format="json").json()
    _check(one["explanation"], run=published_run, cluster=one["cluster"])
    profile = user_client.post(
        "/api/v1/profiles/", {"name": "Ann", **DOC004_BODY}, format="json"
    ).json()
    answer = user_client.post(f"/api/v1/profiles/{profile['id']}/predict/").json()
    _check(answer["explanation"], run=published_run, cluster=answer["cluster"])
    assert answer["explanation"] == one["explanation"]


@pytest.mark.django_db
def test_customer_lookup_explains_the_stored_segment(published_run, user_client):
    customer = Customer.objects.filter(dataset=published_run.dataset).order_by("row_number")[7]
    assignment = Assignment.objects.get(run=published_run, customer=customer)
    attributes = customer_attributes(
        dataset=published_run.dataset, row_numbers=[customer.row_number]
    )[customer.row_number]

    response = user_client.get(f"/api/customers/{customer.external_id}/segment")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["segments"]["cluster_id"] == assignment.cluster_label
    _check(
        data["explanation"],
        run=published_run,
        cluster=assignment.cluster_label,
        record=attributes,
    )
    top = data["explanation"]["top_features"][0]
    if top["kind"] == "numeric":
        assert top["value"] == pytest.approx(attributes[top["feature"]])
        medians = published_run.clusters.get(label=assignment.cluster_label).profile
        assert top["segment_typical"] == pytest.approx(medians["median_values"][top["feature"]])


@pytest.mark.django_db
def test_run_customer_answers_segment_confidence_and_why(analyst_client, analyst):
    run = train(upload_customers(owner=analyst), publish=False)
    customer = Customer.objects.filter(dataset=run.dataset).order_by("row_number")[11]
    assignment = Assignment.objects.get(run=run, customer=customer)

    response = analyst_client.get(_run_customer_url(run.pk, f"  {customer.external_id} "))

    assert response.status_code == 200
    body = response.json()
    assert body["run"] == run.pk
    assert body["customer_id"] == customer.external_id
    assert body["cluster"] == assignment.cluster_label
    assert body["confidence"] == pytest.approx(assignment.confidence)
    assert set(body["values"]) == set(run.features)
    _check(body["explanation"], run=run, cluster=assignment.cluster_label)


@pytest.mark.django_db
def test_run_customer_of_another_users_run_is_404(analyst_client):
    others = train(upload_customers(owner=AnalystFactory()), publish=False)
    customer = Customer.objects.filter(dataset=others.dataset).first()

    response = analyst_client.get(_run_customer_url(others.pk, customer.external_id))

    assert response.status_code == 404
    assert "explanation" not in response.json()


@pytest.mark.django_db
def test_run_customer_unknown_in_the_runs_dataset_is_404(analyst_client, analyst):
    run = train(upload_customers(owner=analyst), publish=False)
    others = upload_customers(owner=AnalystFactory(), seed=5)
    Customer.objects.filter(dataset=others).update(external_id="SOMEONE-ELSE")

    response = analyst_client.get(_run_customer_url(run.pk, "SOMEONE-ELSE"))

    assert response.status_code == 404
    assert f"run {run.pk}" in response.json()["detail"]


@pytest.mark.django_db
def test_run_customer_of_an_unfinished_run_is_409(analyst_client, analyst):
    run = train(upload_customers(owner=analyst), publish=False)
    run.status, run.model_artifact = "running", {}
    run.save(update_fields=["status", "model_artifact"])
    customer = Customer.objects.filter(dataset=run.dataset).first()

    response = analyst_client.get(_run_customer_url(run.pk, customer.external_id))

    assert response.status_code == 409
    assert "once it succeeds" in response.json()["detail"]
