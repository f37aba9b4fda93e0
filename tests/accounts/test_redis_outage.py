"""Redis down, for real: a gunicorn server whose cache, throttles and broker are a Redis server
that this test starts, stops and starts again (its own, on a free port; never a shared one).

While Redis is down, reads and predictions keep working (the cache is skipped, throttles count
on the database); what needs the broker (starting a run, queueing an export, registering large
Parquet data, deriving a customer table from a large purchase log) answers 503 with the
JSON error body and `Retry-After`; `/api/health` answers 503. Nothing answers 500, and once Redis
is back everything works again without a restart."""

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests
from django.conf import settings

from accounts import services
from datasets.demo import generate_customers, generate_purchase_log
from datasets.models import RegistrationJob
from tests.accounts.test_servers import STARTUP_TIMEOUT_S, Server, _free_port, _server_env
from tests.factories import DEFAULT_PASSWORD, AnalystFactory
from tests.profiles.conftest import DOC004_BODY, train, upload_customers

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
REDIS_READY_S = 20


class RedisServer:
    """A throwaway redis-server on one port: no persistence, stopped and started by the test."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + REDIS_READY_S
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_and_server(django_db_setup, tmp_path_factory) -> Iterator[tuple[RedisServer, Server]]:
    redis = RedisServer(_free_port())
    redis.start()
    env = _server_env(
        REDIS_URL=redis.url,
        CELERY_BROKER_URL=redis.url,
        EXPORT_INLINE_MAX_ROWS="0",  # every export is queued, so it needs the broker
        REGISTER_INLINE_MAX_ROWS="10",  # so is every registration of more than 10 rows
        CUSTOMER_TABLE_INLINE_MAX_ROWS="10",  # and every customer table of a log of more lines
    )
    server = Server(env, tmp_path_factory.mktemp("gunicorn-redis"))
    try:
        server.wait_ready(time.monotonic() + STARTUP_TIMEOUT_S)
        yield redis, server
    finally:
        server.stop()
        redis.stop()


def _parquet_under_the_servers_data_root() -> str:
    """A Parquet file of 40 customers where the server's data root is (its MEDIA_ROOT)."""
    key = f"incoming/outage-{uuid.uuid4().hex[:8]}.parquet"
    path = Path(settings.VAR_DIR) / "test_media" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = generate_customers(40, seed=1).astype({"gender": str, "region": str})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return key


def _calls(
    base: str,
    *,
    headers: dict,
    username: str,
    dataset_id: int,
    run_id: int,
    parquet: str,
    log_id: int,
) -> dict:
    """One request of each kind; the responses by name."""

    def get(path: str) -> requests.Response:
        return requests.get(f"{base}{path}", headers=headers, timeout=60)

    def post(path: str, body: dict) -> requests.Response:
        return requests.post(f"{base}{path}", json=body, headers=headers, timeout=60)

    login = {"username": username, "password": DEFAULT_PASSWORD}
    return {
        "login": requests.post(f"{base}/auth/login", json=login, timeout=60),
        "predict": post("/predict", DOC004_BODY),
        "batch": post("/api/v1/predictions/", {"records": [DOC004_BODY] * 3}),
        "history": get("/history"),
        "runs": get("/api/v1/runs/"),
        "run_create": post("/api/v1/runs/", {"dataset": dataset_id, "n_clusters": 3}),
        "export_create": post("/api/v1/exports/", {"run": run_id, "format": "csv"}),
        "register": post("/api/v1/datasets/register/", {"url": parquet}),
        "customer_table": post(f"/api/v1/datasets/{log_id}/customer-table/", {}),
        "health": requests.get(f"{base}/api/health", timeout=60),
    }


def test_redis_outage_degrades_without_500_and_recovers(redis_and_server):
    redis, server = redis_and_server
    analyst = AnalystFactory()
    run = train(upload_customers(owner=analyst))
    headers = {"Authorization": f"Bearer {services.tokens_issue(user=analyst).access}"}
    ids = {"username": analyst.username, "dataset_id": run.dataset_id, "run_id": run.pk}
    ids["parquet"] = _parquet_under_the_servers_data_root()
    ids["log_id"] = upload_customers(owner=analyst, frame=generate_purchase_log(30).frame).pk

    up = _calls(server.url, headers=headers, **ids)
    assert {name: r.status_code for name, r in up.items()} == {
        "login": 200, "predict": 200, "batch": 201, "history": 200, "runs": 200,
        "run_create": 202, "export_create": 202, "register": 202,
        "customer_table": 202, "health": 200,
    }, {name: r.text[:300] for name, r in up.items()}  # fmt: skip

    redis.stop()
    down = _calls(server.url, headers=headers, **ids)
    statuses = {name: r.status_code for name, r in down.items()}
    assert statuses == {
        "login": 200, "predict": 200, "batch": 201, "history": 200, "runs": 200,
        "run_create": 503, "export_create": 503, "register": 503,
        "customer_table": 503, "health": 503,
    }, {name: r.text[:300] for name, r in down.items()}  # fmt: skip
    assert down["predict"].json()["cluster_name"] == up["predict"].json()["cluster_name"]
    failed = RegistrationJob.objects.get(status=RegistrationJob.Status.FAILED)
    assert "job queue cannot be reached" in failed.error
    for name in ("run_create", "export_create", "register", "customer_table"):
        response = down[name]
        assert int(response.headers["Retry-After"]) > 0
        assert response.headers["Content-Type"].startswith("application/json")
        assert "job queue cannot be reached" in response.text
    assert down["health"].json()["components"]["cache"] == "unavailable"

    redis.start()  # the same port, empty: nothing restarts the web server
    again = _calls(server.url, headers=headers, **ids)
    assert {name: r.status_code for name, r in again.items()} == {
        name: r.status_code for name, r in up.items()
    }, {name: r.text[:300] for name, r in again.items()}
