"""The run-start body shared by the run contracts: one serializer, composed per contract with its
own dataset field and defaults, and one function from a validated body to the service's
arguments."""

import pytest

from clustering.api.serializers import (
    CurrentDatasetRunStartInputSerializer,
    RunCreateInputSerializer,
    RunStartInputSerializer,
    V1TrainInputSerializer,
    run_start_arguments,
)


def _validated(serializer_class, body: dict) -> dict:
    data = serializer_class(data=body)
    assert data.is_valid(), data.errors
    return data.validated_data


@pytest.mark.parametrize(
    "serializer_class",
    [RunCreateInputSerializer, V1TrainInputSerializer, CurrentDatasetRunStartInputSerializer],
)
def test_run_start_body_is_shared_by_every_run_contract(serializer_class):
    assert issubclass(serializer_class, RunStartInputSerializer)
    shared = set(RunStartInputSerializer().fields)
    assert shared <= set(serializer_class().fields)


def test_run_start_arguments_of_a_canonical_body():
    values = _validated(
        RunCreateInputSerializer,
        {"dataset": 7, "n_clusters": 3, "features": ["age", "income"], "random_state": 1},
    )
    assert run_start_arguments(values) == {
        "algorithm": "kmeans",
        "parameters": {"n_clusters": 3, "random_state": 1},
        "features": ["age", "income"],
        "publish_on_success": False,
        "force_features": False,
    }


def test_run_start_arguments_leave_features_to_the_service_when_absent():
    values = _validated(CurrentDatasetRunStartInputSerializer, {})
    assert run_start_arguments(values) == {
        "algorithm": "kmeans",
        "parameters": {},
        "features": None,
        "publish_on_success": True,
        "force_features": False,
    }


def test_v1_train_body_is_hierarchical_with_ward_by_default():
    values = _validated(V1TrainInputSerializer, {"dataset_id": 3, "n_clusters": 4})
    arguments = run_start_arguments(values)
    assert arguments["algorithm"] == "hierarchical"
    assert arguments["parameters"] == {"n_clusters": 4, "use_pca": False, "linkage": "ward"}


def test_v1_train_body_drops_linkage_for_other_algorithms():
    values = _validated(
        V1TrainInputSerializer, {"dataset_id": 3, "algorithm": "kmeans", "linkage": "average"}
    )
    assert "linkage" not in run_start_arguments(values)["parameters"]


def test_v1_train_body_needs_a_dataset_id():
    data = V1TrainInputSerializer(data={"n_clusters": 4})
    assert not data.is_valid()
    assert "dataset_id" in data.errors
