"""A comparison above LINEAGE_INLINE_MAX_ROWS runs on a real Celery worker: 202 with the job's
status, then the same URL answers 200 with the lineage once the worker has computed it."""

import time

import pytest
from django.urls import reverse

from clustering.models import RunComparison

from .lineage_data import MOVED, executed, planted_pair

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
DEADLINE_S = 90


def test_large_comparison_is_computed_by_the_worker(worker, settings, analyst_client, analyst):
    settings.LINEAGE_INLINE_MAX_ROWS = 100  # the 240-customer runs count as large
    old_frame, new_frame, truth = planted_pair()
    old = executed(analyst, old_frame)
    new = executed(analyst, new_frame)
    url = reverse("clustering-api:run-compare", args=[old.pk, new.pk])
    response = analyst_client.get(url)
    assert response.status_code == 202, response.content
    assert response.json()["status"] in ("queued", "running")
    assert response.json()["pairs"] == []
    assert response["Location"].endswith(url)

    early = analyst_client.get(response.json()["movers_url"])
    assert early.status_code in (200, 409)  # 409 while still computing, in words
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        response = analyst_client.get(url)
        if response.status_code != 202:
            break
        time.sleep(0.1)
    assert response.status_code == 200, (response.content, worker.log())
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["progress"] == 100
    assert body["counts"]["moved"] == MOVED
    movers = analyst_client.get(body["movers_url"], {"page_size": 100}).json()
    assert {m["external_id"] for m in movers["results"]} == set(truth["moved"])
    assert RunComparison.objects.get().movers_file.name.startswith("comparisons/")
