"""Document 004 `POST /predict` and `GET /history`, and the canonical `/api/v1/predictions/`."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from clustering.signals import run_published
from profiles.models import Prediction
from tests.factories import PredictionFactory, UserFactory

from .conftest import DOC004_BODY, train, upload_customers

PREDICT = "/predict"
PREDICTIONS = "/api/v1/predictions/"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_predict_answers_document_004_shape_and_records_it(published_run, user_client, user):
    response = user_client.post(PREDICT, DOC004_BODY, format="json")

    assert response.status_code == 200
    body = response.json()
    # Document 004's four fields, what their numbers mean and why this segment (all additive).
    assert set(body) == {
        "cluster",
        "cluster_name",
        "confidence",
        "customer_data",
        "warnings",
        "confidence_note",
        "explanation",
    }
    assert body["customer_data"] == DOC004_BODY
    assert isinstance(body["confidence"], int)
    assert 0 <= body["confidence"] <= 100
    names = dict(published_run.clusters.values_list("label", "name"))
    assert body["cluster_name"] == names[body["cluster"]]
    recorded = Prediction.objects.get(user=user)
    assert recorded.run_id == published_run.pk
    assert (recorded.cluster, recorded.input) == (body["cluster"], DOC004_BODY)


@pytest.mark.django_db
def test_predict_is_409_when_nothing_is_published(user_client):
    response = user_client.post(PREDICT, DOC004_BODY, format="json")

    assert response.status_code == 409
    assert "must be published first" in response.json()["detail"]
    assert not Prediction.objects.exists()


@pytest.mark.django_db
def test_predict_is_409_when_the_only_run_is_not_published(user_client):
    train(upload_customers(), publish=False)

    assert user_client.post(PREDICT, DOC004_BODY, format="json").status_code == 409


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sex", "Other"),
        ("sex", None),
        ("age", 17),
        ("age", 101),
        ("age", 30.5),
        ("age", "thirty"),
        ("annual_income", -0.5),
        ("annual_income", True),
        ("spending_score", 0),
        ("spending_score", 101),
        ("purchase_frequency", -1),
    ],
)
@pytest.mark.django_db
def test_predict_rejects_invalid_field_with_422_naming_it(published_run, user_client, field, value):
    response = user_client.post(PREDICT, {**DOC004_BODY, field: value}, format="json")

    assert response.status_code == 422
    assert list(response.json()) == [field]
    assert not Prediction.objects.exists()


@pytest.mark.parametrize("field", ["sex", "age", "annual_income", "spending_score"])
@pytest.mark.django_db
def test_predict_missing_feature_is_422_naming_it(published_run, user_client, field):
    body = {key: value for key, value in DOC004_BODY.items() if key != field}

    response = user_client.post(PREDICT, body, format="json")

    assert response.status_code == 422
    assert field in response.json()
    assert "required" in response.json()[field][0]


@pytest.mark.django_db
def test_predict_accepts_contract_bounds(published_run, user_client):
    for age, score, income in ((18, 1, 0), (100, 100, 0.0)):
        body = {**DOC004_BODY, "age": age, "spending_score": score, "annual_income": income}
        assert user_client.post(PREDICT, body, format="json").status_code == 200


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "{not json"])
@pytest.mark.django_db
def test_predict_body_that_is_not_an_object_is_400(published_run, user_client, body):
    response = user_client.post(PREDICT, body, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.django_db
def test_predict_needs_authentication(published_run, api_client):
    assert api_client.post(PREDICT, DOC004_BODY, format="json").status_code == 401


@pytest.mark.django_db
def test_predict_dataset_with_own_columns_takes_its_feature_names(user_client):
    features = ["region", "avg_purchase_amount", "tenure_months", "annual_income"]
    run = train(upload_customers(seed=4), features=features)
    body = {"region": "North", "avg_purchase_amount": 80.5, "tenure_months": 40}

    missing = user_client.post(PREDICT, body, format="json")
    # The income column may be sent under document 004's name for its role.
    answered = user_client.post(PREDICT, {**body, "annual_income": 70}, format="json")
    own_name = user_client.post(PREDICT, {**body, "annual_income": 70.0}, format="json")
    unknown_region = user_client.post(
        PREDICT, {**body, "annual_income": 70, "region": "Atlantis"}, format="json"
    )

    assert missing.status_code == 422
    assert "annual_income" in missing.json()
    assert answered.status_code == 200, answered.json()
    assert answered.json()["customer_data"] == {**body, "annual_income": 70}
    assert own_name.json()["cluster"] == answered.json()["cluster"]
    assert unknown_region.status_code == 422
    assert "North" in unknown_region.json()["region"][0]
    assert Prediction.objects.filter(run=run).count() == 2


@pytest.mark.django_db
def test_predict_uses_a_run_published_after_the_model_was_cached(user_client):
    first = train(upload_customers(seed=1), n_clusters=3)
    assert user_client.post(PREDICT, DOC004_BODY, format="json").status_code == 200
    second = train(upload_customers(seed=2), n_clusters=5)

    user_client.post(PREDICT, DOC004_BODY, format="json")

    runs = list(Prediction.objects.order_by("id").values_list("run_id", flat=True))
    assert runs == [first.pk, second.pk]


@pytest.mark.django_db
def test_predict_sees_a_publish_made_by_another_process(user_client):
    """Another process's publish reaches this one only through the shared version key."""
    first = train(upload_customers(seed=1), n_clusters=3)
    user_client.post(PREDICT, DOC004_BODY, format="json")
    disconnected = run_published.disconnect(dispatch_uid="profiles-predictor-cache")
    try:
        second = train(upload_customers(seed=2), n_clusters=5)
    finally:
        from profiles.predictor.cache import process_cache_clear

        run_published.connect(process_cache_clear, dispatch_uid="profiles-predictor-cache")

    user_client.post(PREDICT, DOC004_BODY, format="json")

    assert disconnected
    runs = list(Prediction.objects.order_by("id").values_list("run_id", flat=True))
    assert runs == [first.pk, second.pk]


# --- canonical predictions --------------------------------------------------------------------


@pytest.mark.django_db
def test_predictions_batch_is_recorded_in_one_insert(published_run, user_client, user):
    records = [{**DOC004_BODY, "age": 20 + i} for i in range(50)]

    with CaptureQueriesContext(connection) as queries:
        response = user_client.post(PREDICTIONS, {"records": records}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["count"] == 50
    assert [r["input"]["age"] for r in body["results"]] == [20 + i for i in range(50)]
    assert all(r["run"] == published_run.pk and r["id"] for r in body["results"])
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "profiles_')]
    assert len(inserts) == 1
    assert Prediction.objects.filter(user=user).count() == 50


@pytest.mark.django_db
def test_predictions_single_record_answers_one_prediction(published_run, user_client):
    response = user_client.post(PREDICTIONS, DOC004_BODY, format="json")

    assert response.status_code == 201
    assert response.json()["input"] == DOC004_BODY
    assert response.json()["run"] == published_run.pk


@pytest.mark.django_db
def test_predictions_batch_over_the_limit_is_400(published_run, user_client, settings):
    settings.PREDICT_BATCH_MAX_ROWS = 3

    response = user_client.post(PREDICTIONS, {"records": [DOC004_BODY] * 4}, format="json")

    assert response.status_code == 400
    assert "at most 3" in response.json()["records"][0]
    assert not Prediction.objects.exists()
    ok = user_client.post(PREDICTIONS, {"records": [DOC004_BODY] * 3}, format="json")
    assert ok.status_code == 201


@pytest.mark.django_db
def test_predictions_batch_with_one_bad_record_records_nothing(published_run, user_client):
    records = [DOC004_BODY, {**DOC004_BODY, "age": 12}, DOC004_BODY]

    response = user_client.post(PREDICTIONS, {"records": records}, format="json")

    assert response.status_code == 422
    assert list(response.json()["records"]) == ["1"]
    assert "age" in response.json()["records"]["1"]
    assert not Prediction.objects.exists()


@pytest.mark.parametrize("records", [[], "not a list"])
@pytest.mark.django_db
def test_predictions_batch_without_records_is_400(published_run, user_client, records):
    response = user_client.post(PREDICTIONS, {"records": records}, format="json")

    assert response.status_code == 400


@pytest.mark.django_db
def test_predictions_list_filters_by_cluster_run_and_date(user_client, user):
    PredictionFactory(user=user, cluster=1)
    PredictionFactory(user=user, cluster=2)
    old = PredictionFactory(user=user, cluster=2)
    Prediction.objects.filter(pk=old.pk).update(
        created_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    )
    PredictionFactory(cluster=2)  # someone else's

    by_cluster = user_client.get(PREDICTIONS, {"cluster": 2}).json()
    recent = user_client.get(PREDICTIONS, {"cluster": 2, "created_after": "2025-01-01"}).json()
    old_only = user_client.get(PREDICTIONS, {"created_before": "2024-01-02"}).json()
    by_run = user_client.get(PREDICTIONS, {"run": 999999}).json()

    assert by_cluster["count"] == 2
    assert recent["count"] == 1
    assert [p["id"] for p in old_only["results"]] == [old.pk]
    assert by_run["count"] == 0


@pytest.mark.django_db
def test_predictions_of_another_user_are_404(user_client):
    other = PredictionFactory()

    response = user_client.get(f"{PREDICTIONS}{other.pk}/")

    assert response.status_code == 404


# --- history ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_history_lists_own_predictions_newest_first_with_total(user_client, user):
    mine = [PredictionFactory(user=user, confidence=87.4) for _ in range(3)]
    PredictionFactory()  # someone else's

    body = user_client.get("/history").json()

    assert body["total"] == 3
    assert [h["id"] for h in body["history"]] == [p.pk for p in reversed(mine)]
    assert set(body["history"][0]) == {
        "id",
        "customer_data",
        "cluster",
        "cluster_name",
        "confidence",
        "created_at",
    }
    assert body["history"][0]["confidence"] == 87


@pytest.mark.django_db
def test_history_pages_with_skip_and_limit(user_client, user):
    made = [PredictionFactory(user=user) for _ in range(5)]

    body = user_client.get("/history", {"skip": 1, "limit": 2}).json()

    assert body["total"] == 5
    assert [h["id"] for h in body["history"]] == [made[3].pk, made[2].pk]


@pytest.mark.parametrize("query", [{"skip": -1}, {"limit": 0}, {"limit": 501}, {"skip": "x"}])
@pytest.mark.django_db
def test_history_with_bad_paging_is_400(user_client, query):
    response = user_client.get("/history", query)

    assert response.status_code == 400
    assert set(response.json()) <= {"skip", "limit"}


@pytest.mark.django_db
def test_history_never_shows_another_users_predictions(published_run):
    alice, bob = UserFactory(), UserFactory()
    _client(alice).post(PREDICT, DOC004_BODY, format="json")

    bob_history = _client(bob).get("/history").json()
    bob_list = _client(bob).get(PREDICTIONS).json()

    assert bob_history == {"history": [], "total": 0}
    assert bob_list["count"] == 0
    assert _client(alice).get("/history").json()["total"] == 1


@pytest.mark.django_db
def test_predict_route_names_resolve():
    assert reverse("profiles-api:predict") == PREDICT
    assert reverse("profiles-api:prediction-list") == PREDICTIONS
