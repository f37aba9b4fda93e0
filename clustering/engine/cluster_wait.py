"""Waiting on a Dask cluster without ever waiting for ever: every wait polls in POLL_S steps,
checking the run's cancel flag (and beating its progress callback) and that the cluster still
has workers; a cluster left without any for NO_WORKERS_GRACE_S, or whose workers die repeatedly
on the work (KilledWorker), ends the fit with ClusterLost and a reason."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from distributed import Client, KilledWorker
from distributed import wait as dask_wait

from clustering.engine.errors import EngineInputError
from clustering.engine.fitting import Stages

POLL_S = 1.0  # cancel flag, heartbeat and the cluster's workers are checked this often
NO_WORKERS_GRACE_S = 60.0  # a cluster without any worker this long ends the fit


class ClusterLost(EngineInputError):
    """The Dask cluster could not finish the work (workers gone or killed repeatedly)."""


class ClusterWaiter:
    """Waits on the cluster in POLL_S steps, checking the cancel flag (and beating the progress
    callback) and that the cluster still has workers."""

    def __init__(self, client: Client, stage: Stages) -> None:
        self.client = client
        self.stage = stage
        self.no_workers_since: float | None = None

    def compute(self, collections: list[Any]) -> list[Any]:
        futures = self.client.compute(collections)
        self._until(lambda: dask_wait(futures, timeout=POLL_S, return_when="ALL_COMPLETED"))
        return self._results(lambda: self.client.gather(futures))

    def persist(self, collection: Any) -> Any:
        persisted = self.client.persist(collection)
        self._until(lambda: dask_wait(persisted, timeout=POLL_S))
        return persisted

    def call(self, work: Callable[[], Any]) -> Any:
        """``work`` (which computes on the cluster itself, e.g. dask-ml's fit) in a thread."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dask-fit")
        try:
            future = pool.submit(work)
            self._until(lambda: future.result(timeout=POLL_S), FutureTimeout)
            return self._results(future.result)
        finally:
            pool.shutdown(wait=False)

    def _until(self, step: Callable[[], Any], timeout_error: type = TimeoutError) -> None:
        while True:
            try:
                step()
                return
            except timeout_error:
                self._check()
            except Exception:  # a failed task: its error is raised by _results with a reason
                return

    def _check(self) -> None:
        self.stage.check()
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        now = time.monotonic()
        if workers:
            self.no_workers_since = None
        elif self.no_workers_since is None:
            self.no_workers_since = now
        elif now - self.no_workers_since > NO_WORKERS_GRACE_S:
            raise ClusterLost(
                f"The Dask cluster has had no worker for {NO_WORKERS_GRACE_S:.0f} seconds, so the "
                "run was stopped and nothing was saved. Start the Dask workers and run it again."
            )

    @staticmethod
    def _results(get: Callable[[], Any]) -> Any:
        try:
            return get()
        except KilledWorker as exc:
            raise ClusterLost(
                "Dask workers died repeatedly while computing this run (usually out of memory), "
                "so it was stopped and nothing was saved. Give the workers more memory or add "
                f"workers, then run it again. ({exc})"
            ) from exc
