"""The `feature_transform` run parameter (auto by default, or none) on every run contract that
takes parameters, and what a run records of it."""

import pytest
from django.core.exceptions import ValidationError

from clustering.api.serializers import (
    CurrentDatasetRunStartInputSerializer,
    RunCreateInputSerializer,
    V1TrainInputSerializer,
    run_start_arguments,
)
from clustering.models import ClusteringRun
from clustering.services import run_create
from datasets.demo import generate_rfm_customers

from .conftest import dataset_make

BODIES = [
    (RunCreateInputSerializer, {"dataset": 1}),
    (V1TrainInputSerializer, {"dataset_id": 1}),
    (CurrentDatasetRunStartInputSerializer, {}),
]


@pytest.mark.parametrize(("serializer_class", "body"), BODIES)
def test_every_run_start_body_passes_feature_transform_on(serializer_class, body):
    data = serializer_class(data={**body, "feature_transform": "none"})
    assert data.is_valid(), data.errors
    assert run_start_arguments(data.validated_data)["parameters"]["feature_transform"] == "none"


@pytest.mark.parametrize(("serializer_class", "body"), BODIES)
def test_feature_transform_left_out_is_left_to_the_engine(serializer_class, body):
    data = serializer_class(data=body)
    assert data.is_valid(), data.errors
    assert "feature_transform" not in run_start_arguments(data.validated_data)["parameters"]


@pytest.mark.parametrize(("serializer_class", "body"), BODIES)
def test_an_unknown_feature_transform_is_refused_by_the_body(serializer_class, body):
    data = serializer_class(data={**body, "feature_transform": "log"})
    assert not data.is_valid()
    assert "feature_transform" in data.errors


def _rfm_dataset(owner):
    return dataset_make(owner=owner, frame=generate_rfm_customers(600, seed=0), current=True)


def _latest_run() -> ClusteringRun:
    return ClusteringRun.objects.order_by("-pk").first()


@pytest.mark.django_db
def test_workspace_cluster_log_scales_by_default_and_says_so(analyst_client, analyst):
    _rfm_dataset(analyst)
    response = analyst_client.post("/api/cluster", {"n_clusters": 3}, format="json")
    assert response.status_code == 200, response.content
    run = _latest_run()
    assert run.metrics["effective_parameters"]["feature_transform"] == "auto"
    assert any(note.startswith("monetary: log-scaled") for note in run.metrics["notes"])
    transforms = dict(
        zip(
            run.model_artifact["numeric"]["columns"],
            run.model_artifact["numeric"]["transforms"],
            strict=True,
        )
    )
    assert transforms["monetary"] == "log1p"


@pytest.mark.django_db
def test_workspace_cluster_with_none_uses_the_values_as_they_are(analyst_client, analyst):
    _rfm_dataset(analyst)
    body = {"n_clusters": 3, "feature_transform": "none"}
    response = analyst_client.post("/api/cluster", body, format="json")
    assert response.status_code == 200, response.content
    run = _latest_run()
    assert run.parameters["feature_transform"] == "none"
    assert set(run.model_artifact["numeric"]["transforms"]) == {"none"}
    assert not any("log-scaled" in note for note in run.metrics["notes"])


@pytest.mark.django_db
def test_workspace_cluster_refuses_an_unknown_feature_transform(analyst_client, analyst):
    _rfm_dataset(analyst)
    body = {"n_clusters": 3, "feature_transform": "log"}
    response = analyst_client.post("/api/cluster", body, format="json")
    assert response.status_code == 400
    assert "feature_transform" in response.json()["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("choice", ["auto", "none"])
def test_analyze_takes_feature_transform(analyst_client, choice):
    records = generate_rfm_customers(300, seed=1).to_dict("records")
    body = {"customerData": records, "n_clusters": 3, "feature_transform": choice}
    response = analyst_client.post("/api/analyze", body, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["parameters"]["feature_transform"] == choice
    assert any("log-scaled" in note for note in answer["notes"]) == (choice == "auto")


@pytest.mark.django_db
def test_analyze_refuses_an_unknown_feature_transform(analyst_client):
    records = generate_rfm_customers(50, seed=1).to_dict("records")
    body = {"customerData": records, "feature_transform": "sqrt"}
    response = analyst_client.post("/api/analyze", body, format="json")
    assert response.status_code == 400
    assert "feature_transform" in str(response.json())


@pytest.mark.django_db
def test_the_service_refuses_an_unknown_feature_transform(analyst):
    dataset = _rfm_dataset(analyst)
    with pytest.raises(ValidationError, match="feature_transform"):
        run_create(
            dataset=dataset,
            user=analyst,
            algorithm="kmeans",
            parameters={"n_clusters": 3, "feature_transform": "log"},
            enqueue=False,
        )
