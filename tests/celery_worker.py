"""The real Celery worker of the job tests: one process per test session (every folder but
`e2e/`, which has its own beside its live server), on the test database and the test settings.
Registered in tests/conftest.py, so there is exactly one such worker: a test that kills it knows
no other worker picks its run up."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_READY_S = 60
# The worker beats often and is declared dead soon, so the crash test takes seconds, not minutes.
WORKER_HEARTBEAT_INTERVAL_S = 0.2
WORKER_HEARTBEAT_STALE_S = 2.0


class WorkerProcess:
    """`celery -A config worker --pool solo` in its own process, on the test database."""

    def __init__(self, *, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_path.write_text("")
        log = self.log_path.open("a")
        command = [
            str(Path(sys.executable).parent / "celery"), "-A", "config", "worker",
            "--pool", "solo", "--concurrency", "1", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"test-{os.getpid()}-{uuid.uuid4().hex[:6]}@%h",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + WORKER_READY_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker exited at start:\n{self.log_path.read_text()}")
            if " ready." in self.log_path.read_text():
                return
            time.sleep(0.1)
        pytest.fail(f"The Celery worker was not ready in {WORKER_READY_S} s:\n{self.log()}")

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgement, exactly like a crashed host."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text()[-5000:]


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real worker on the same settings, broker, VAR_DIR and test database as the tests."""
    from config.celery import app

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "VAR_DIR": str(settings.VAR_DIR),
        "RUN_HEARTBEAT_INTERVAL_S": str(WORKER_HEARTBEAT_INTERVAL_S),
        "RUN_HEARTBEAT_STALE_S": str(WORKER_HEARTBEAT_STALE_S),
        "PYTHONUNBUFFERED": "1",
    }
    app.control.purge()  # messages left by an earlier session must not reach this worker
    worker = WorkerProcess(env=env, log_path=tmp_path_factory.mktemp("worker") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def worker(celery_worker_process, settings):
    """The session's worker, (re)started if a test killed it; files go where it reads them."""
    settings.MEDIA_ROOT = Path(settings.VAR_DIR) / "test_media"
    celery_worker_process.ensure_running()
    return celery_worker_process
