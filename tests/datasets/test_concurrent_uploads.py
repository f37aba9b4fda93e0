"""Uploads at the same moment, on the real database (SQLite or PostgreSQL): one upload never
fails because another runs (PostgreSQL attaches each upload's partition, which locks the
datasets table), and identical bytes sent at once make one dataset, not several."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from datasets.demo import generate_customers
from datasets.models import Customer, Dataset
from tests.datasets.conftest import csv_file

pytestmark = pytest.mark.django_db(transaction=True)
UPLOAD_PATH = "/api/v1/datasets/"


def _uploads_at_once(owner, contents: list[bytes]) -> list:
    """POST each content as its own client, all released together; the responses in order."""
    barrier = threading.Barrier(len(contents))

    def send(index: int):
        client = APIClient()
        client.force_authenticate(owner)
        try:
            barrier.wait(timeout=60)
            return client.post(
                UPLOAD_PATH,
                {"file": csv_file(contents[index], f"c{index}.csv")},
                format="multipart",
            )
        finally:
            connections.close_all()  # this thread's connection: the test database is dropped later

    with ThreadPoolExecutor(max_workers=len(contents)) as pool:
        return list(pool.map(send, range(len(contents))))


def _concurrency() -> int:
    return 16 if connection.vendor == "postgresql" else 8


def test_concurrent_uploads_of_different_files_all_succeed(analyst):
    n = _concurrency()
    contents = [
        generate_customers(150 + index, seed=index).to_csv(index=False).encode()
        for index in range(n)
    ]
    responses = _uploads_at_once(analyst, contents)

    statuses = [response.status_code for response in responses]
    assert statuses == [201] * n, [r.content[:300] for r in responses if r.status_code != 201]
    datasets = Dataset.objects.filter(owner=analyst)
    assert datasets.count() == n
    for dataset in datasets:
        assert Customer.objects.filter(dataset=dataset).count() == dataset.n_rows


def test_identical_concurrent_uploads_make_one_dataset(analyst):
    content = generate_customers(300, seed=7).to_csv(index=False).encode()
    responses = _uploads_at_once(analyst, [content] * 4)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 200, 200, 201], [r.content[:300] for r in responses]
    assert Dataset.objects.filter(owner=analyst).count() == 1
    ids = {response.json()["id"] for response in responses}
    assert ids == {Dataset.objects.get(owner=analyst).pk}
