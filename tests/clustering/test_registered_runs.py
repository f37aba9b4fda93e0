"""A Parquet dataset registered in place runs through a real Celery worker like an upload: the
worker reads the parts from the data root by their keys, the run is published and serves
predictions and customer look-ups."""

import time
import uuid

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from config.storage import data_storage
from datasets.demo import generate_customers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RUN_DEADLINE_S = 90
FEATURES = ["age", "annual_income", "spending_score", "purchase_frequency"]


@pytest.fixture
def parts(worker):
    """Three Parquet parts of 600 customers under the root the worker reads; removed after."""
    folder = f"incoming/{uuid.uuid4().hex}"
    frame = generate_customers(600, seed=11)
    frame["gender"] = frame["gender"].astype(str)
    frame["region"] = frame["region"].astype(str)
    bounds = np.linspace(0, len(frame), 4).astype(int)
    for number in range(3):
        piece = frame.iloc[bounds[number] : bounds[number + 1]]
        with data_storage().open(f"{folder}/part.{number}.parquet", "wb") as handle:
            pq.write_table(pa.Table.from_pandas(piece, preserve_index=False), handle)
    yield folder, frame
    data_storage().delete(folder)


def test_a_registered_dataset_runs_on_the_worker_and_serves_predictions(
    worker, parts, analyst_client
):
    folder, frame = parts
    registered = analyst_client.post(
        "/api/v1/datasets/register/", {"url": data_storage().url(folder)}, format="json"
    )
    assert registered.status_code == 201, registered.content
    dataset_id = registered.json()["id"]

    response = analyst_client.post(
        reverse("clustering-api:run-list"),
        {"dataset": dataset_id, "n_clusters": 4, "features": FEATURES, "publish": True},
        format="json",
    )
    assert response.status_code == 202, response.content
    deadline = time.monotonic() + RUN_DEADLINE_S
    body = {}
    while time.monotonic() < deadline:
        body = analyst_client.get(response["Location"]).json()
        if body["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert body["status"] == "succeeded", (body, worker.log())
    assert body["is_published"] is True
    assignments = analyst_client.get(body["links"]["assignments"], {"page_size": 10}).json()
    assert assignments["count"] == 600

    predicted = analyst_client.post(
        "/predict",
        {"age": 35, "annual_income": 65.0, "spending_score": 75, "purchase_frequency": 12},
        format="json",
    )
    assert predicted.status_code == 200, predicted.content
    assert 0 <= predicted.json()["cluster"] < 4

    wanted = frame.loc[450, "customer_id"]  # in the last part
    found = analyst_client.get(
        f"/api/v1/datasets/{dataset_id}/customers/", {"external_id": wanted}
    ).json()
    assert found["count"] == 1
    assert found["results"][0]["attributes"]["age"] == int(frame.loc[450, "age"])
