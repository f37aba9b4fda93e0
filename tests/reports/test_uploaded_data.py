"""Segment reports on a file uploaded through the datasets service (a mall-style table without
purchase columns): the types its roles allow answer, the others say which role is missing."""

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clustering.services import run_create, run_execute, run_publish
from datasets.services import dataset_create_from_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def mall_run(analyst, django_capture_on_commit_callbacks):
    rng = np.random.default_rng(3)
    rows = 200
    frame = pd.DataFrame(
        {
            "CustomerID": np.arange(1, rows + 1),
            "Gender": rng.choice(["Male", "Female"], rows),
            "Age": rng.integers(18, 70, rows),
            "Annual Income (k$)": rng.integers(15, 140, rows),
            "Spending Score (1-100)": rng.integers(1, 100, rows),
        }
    )
    upload = SimpleUploadedFile("Mall_Customers.csv", frame.to_csv(index=False).encode())
    dataset, _ = dataset_create_from_upload(owner=analyst, uploaded_file=upload)
    run = run_create(
        dataset=dataset,
        user=analyst,
        parameters={"n_clusters": 4, "random_state": 0},
        enqueue=False,
    )
    run_execute(run_id=run.pk)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_publish(run=run, user=analyst)
    return run, frame


def test_uploaded_data_income_brackets_read_thousands(user_client, mall_run):
    _, frame = mall_run
    response = user_client.get("/api/segments/income_bracket")
    assert response.status_code == 200, response.json()
    counts = {
        s["income_bracket"]: s["total_customers"] for s in response.json()["data"]["segments"]
    }
    assert counts["High Income (>70k)"] == int((frame["Annual Income (k$)"] > 70).sum())


@pytest.mark.parametrize("segment_type", ["gender", "age_group", "cluster"])
def test_uploaded_data_types_its_roles_allow_answer(user_client, mall_run, segment_type):
    response = user_client.get(f"/api/segments/{segment_type}")
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["request_summary"]["total_records"] >= 2
    assert user_client.get(f"/api/insights/{segment_type}").status_code == 200


@pytest.mark.parametrize(
    ("segment_type", "role"),
    [("clv", "purchase_amount"), ("purchase_tier", "purchase_amount"), ("region", "region")],
)
def test_uploaded_data_type_without_its_role_is_400(user_client, mall_run, segment_type, role):
    response = user_client.get(f"/api/segments/{segment_type}")
    assert response.status_code == 400
    assert f"'{role}'" in response.json()["message"]
