"""Export jobs on a real Celery worker: a large run's export is built by `export_build_task`,
and `exports_purge_expired_task` deletes expired exports with their files."""

import io
import time
from datetime import timedelta

import pandas as pd
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from reports.models import Export
from reports.services import export_create
from reports.tasks import exports_purge_expired_task

from .conftest import published_run_make

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WAIT_S = 60


def _wait_for(condition, *, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"Waited {WAIT_S} s for {what}.")


def test_export_of_a_large_run_is_built_by_the_worker(worker, analyst, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 100  # the 600-row run counts as large
    run = published_run_make(owner=analyst)
    export = export_create(user=analyst, run=run, file_format="csv")
    assert export.status == Export.Status.PROCESSING
    _wait_for(
        lambda: Export.objects.get(pk=export.pk).status != Export.Status.PROCESSING,
        what=f"the worker to build the export\n{worker.log()}",
    )
    export.refresh_from_db()
    assert export.status == Export.Status.READY, export.error
    client = APIClient()
    client.force_authenticate(analyst)
    response = client.get(f"/api/exports/{export.pk}/download")
    back = pd.read_csv(io.BytesIO(b"".join(response.streaming_content)))
    assert len(back) == run.dataset.n_rows
    assert back["cluster"].notna().all()


def test_purge_task_on_the_worker_deletes_expired_exports(worker, analyst):
    run = published_run_make(owner=analyst)
    export = export_create(user=analyst, run=run, file_format="csv", what="segments:gender")
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    exports_purge_expired_task.delay()
    _wait_for(lambda: not Export.objects.filter(pk=export.pk).exists(), what="the purge")
    assert not default_storage.exists(export.file.name)
