"""The Celery app. Tasks carry ids only; their state lives on our own rows."""

import contextlib
import logging
import os
import sys
import time

from billiard.process import current_process
from celery import Celery
from celery.signals import worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("segmentation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_shutdown.connect
def _exit_once_stopped(sender=None, **_) -> None:
    """After a warm shutdown has finished (tasks done and acknowledged, pool joined, consumer
    closed), leave at once: tearing down the interpreter of a worker that imported pandas,
    scikit-learn and Django took seconds more, which made a stop of `make run` take 10 s and
    over. Logs are flushed first."""
    if current_process().name != "MainProcess":
        return
    _children_reap(timeout_s=5.0)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(getattr(sender, "exitcode", None) or 0)


def _children_reap(*, timeout_s: float) -> None:
    """Wait (up to `timeout_s`) for this process's children (pool, beat) to be gone, reaping
    each, so none is left behind as a zombie."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:  # no child left
            return
        if pid == 0:  # children still running
            time.sleep(0.05)
