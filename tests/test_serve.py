"""`make run`'s supervisor (`config/serve.py`) for real: gunicorn and a Celery worker with beat
on the embedded filesystem broker; one SIGTERM to the supervisor stops both children (and all
their processes) and it exits cleanly. No timing assert: the stop time is printed (and
measured in the report), the generous timeout only keeps a hang from blocking the suite."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.accounts.test_servers import _free_port

BASE_DIR = Path(settings.BASE_DIR)
READY_TIMEOUT_S = 120
STOP_TIMEOUT_S = 60  # a hang, not a speed check


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.worker
def test_sigterm_stops_gunicorn_and_the_worker_once_and_exits_cleanly(
    django_db_setup, tmp_path, capsys
):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TEST_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "VAR_DIR": str(tmp_path / "var"),  # its own filesystem broker, beat schedule and key
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):  # the embedded default: filesystem broker
        env.pop(name, None)
    (tmp_path / "var").mkdir()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "config.serve", "--port", str(port), "--web-workers", "1"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        web_ready = False
        while time.monotonic() < deadline:
            assert supervisor.poll() is None, log_path.read_text()[-3000:]
            if not web_ready:
                try:
                    requests.get(f"http://127.0.0.1:{port}/api/v1/", timeout=READY_TIMEOUT_S)
                    web_ready = True
                except requests.ConnectionError:
                    pass
            if web_ready and " ready." in log_path.read_text():
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"not ready:\n{log_path.read_text()[-3000:]}")
        children = _children(supervisor.pid)
        assert len(children) == 2, children  # gunicorn and the worker, each its own session

        started = time.monotonic()
        supervisor.send_signal(signal.SIGTERM)
        returncode = supervisor.wait(timeout=STOP_TIMEOUT_S)
        elapsed = time.monotonic() - started
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
    text = log_path.read_text()
    with capsys.disabled():
        print(f"\nmake run's supervisor stopped in {elapsed:.1f} s")
    assert returncode == 0, text[-3000:]
    for child in children:
        left = subprocess.run(
            ["ps", "-o", "pid,stat,cmd", "-g", str(child)], capture_output=True, text=True
        ).stdout
        assert not _group_alive(child), f"process group {child} outlived the stop:\n{left}"
    assert text.count("Warm shutdown") == 1, text[-3000:]
    assert "did not stop in time" not in text, text[-3000:]
    assert "RecursionError" not in text
