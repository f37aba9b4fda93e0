"""Degenerate data answers 400 on every clustering contract, never 500: fewer distinct rows than
clusters, every feature constant, a single row, every value of a feature missing. Asynchronous
runs (003 `/api/clusters/run`, `/api/v1/runs/`) are accepted and then fail with the same reason,
unless the reason is already known from the dataset's row count (then 400 at once)."""

import math

import numpy as np
import pandas as pd
import pytest

from clustering.models import ClusteringRun
from clustering.services import run_execute
from datasets.selectors import dataset_frame_load

from .conftest import dataset_make

pytestmark = pytest.mark.django_db

ROWS = 24


def _few_distinct() -> pd.DataFrame:  # two kinds of customer, asked for three clusters
    twins = [(30, 40.0, 20), (55, 90.0, 80)] * (ROWS // 2)
    return pd.DataFrame(twins, columns=["age", "annual_income", "spending_score"])


def _constant() -> pd.DataFrame:
    return pd.DataFrame(
        {"age": [42] * ROWS, "annual_income": [61.5] * ROWS, "spending_score": [50] * ROWS}
    )


def _single_row() -> pd.DataFrame:
    return pd.DataFrame({"age": [42], "annual_income": [61.5], "spending_score": [50]})


def _all_missing() -> pd.DataFrame:  # nothing to impute from: no median exists
    frame = _few_distinct()
    frame["annual_income"] = np.nan
    return frame


CASES = {
    "fewer distinct rows than clusters": (_few_distinct, "only 2 customers differ"),
    "every feature constant": (_constant, "same values in the chosen features"),
    "a single row": (_single_row, "at least"),
    "every value of a feature missing": (_all_missing, "'annual_income' has no"),
}


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {key: (None if isinstance(v, float) and math.isnan(v) else v) for key, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _sync(client, dataset, contract: str):
    """POST the contract's clustering request for three clusters; the response."""
    if contract == "000 /api/cluster":
        return client.post("/api/cluster", {"n_clusters": 3}, format="json")
    if contract == "001 /api/analyze":
        frame = dataset_frame_load(dataset=dataset)
        body = {"customerData": _records(frame), "n_clusters": 3}
        return client.post("/api/analyze", body, format="json")
    if contract == "002 /api/v1/clustering/train":
        body = {"dataset_id": dataset.pk, "n_clusters": 3}
        return client.post("/api/v1/clustering/train", body, format="json")
    if contract == "004 /train":
        return client.post("/train", {"n_clusters": 3}, format="json")
    raise AssertionError(contract)


def _async(client, dataset, contract: str):
    if contract == "003 /api/clusters/run":
        return client.post("/api/clusters/run", {"n_clusters": 3}, format="json")
    body = {"dataset": dataset.pk, "n_clusters": 3}
    return client.post("/api/v1/runs/", body, format="json")


def _message(response) -> str:
    return response.content.decode().lower()


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    "contract",
    ["000 /api/cluster", "001 /api/analyze", "002 /api/v1/clustering/train", "004 /train"],
)
def test_degenerate_data_is_400_on_inline_contracts(analyst_client, analyst, case, contract):
    make, words = CASES[case]
    dataset = dataset_make(owner=analyst, frame=make(), current=True)

    response = _sync(analyst_client, dataset, contract)

    assert response.status_code == 400, response.content
    assert words in _message(response)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("contract", ["003 /api/clusters/run", "/api/v1/runs/"])
def test_degenerate_data_fails_async_runs_with_the_reason(analyst_client, analyst, case, contract):
    make, words = CASES[case]
    dataset = dataset_make(owner=analyst, frame=make(), current=True)

    response = _async(analyst_client, dataset, contract)

    if case == "a single row":  # known from the row count: refused before anything is queued
        assert response.status_code == 400, response.content
        assert words in _message(response)
        assert not ClusteringRun.objects.filter(dataset=dataset).exists()
        return
    assert response.status_code == 202, response.content
    run = ClusteringRun.objects.get(dataset=dataset)
    run_execute(run_id=run.pk)  # what the worker does with the queued run
    run.refresh_from_db()
    assert run.status == ClusteringRun.Status.FAILED
    assert words in run.error.lower()
    assert not run.clusters.exists()
    job = analyst_client.get(f"/api/v1/runs/{run.pk}/").json()
    assert job["status"] == "failed"
    assert words in job["error"].lower()


def test_degenerate_k_sweep_is_400(analyst_client, analyst):
    dataset_make(owner=analyst, frame=_constant(), current=True)
    response = analyst_client.get("/api/optimal-clusters")
    assert response.status_code == 400, response.content
    assert "same values in the chosen features" in _message(response)
