"""Memory of Dask workers during a benchmark (no `bench_` prefix: not a benchmark itself)."""

import threading
import time
from contextlib import contextmanager

SAMPLE_EVERY_S = 0.5


class WorkerMemory:
    """The peak memory (MiB) of each Dask worker while `during(label)` runs, kept per label: the
    scheduler's figure of each worker process, sampled every SAMPLE_EVERY_S by a thread (and once
    more at the end of each `during`)."""

    def __init__(self, client) -> None:
        self.client = client
        self.side: str | None = None
        self.peaks: dict[str, dict[str, float]] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample_until_done, daemon=True)

    def __enter__(self) -> "WorkerMemory":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.done.set()
        self.thread.join()

    def now(self) -> dict[str, float]:
        """The memory (MiB) of each worker by name, as the scheduler last heard it."""
        workers = self.client.scheduler_info(n_workers=-1)["workers"].values()
        return {str(w.get("name")): w.get("metrics", {}).get("memory", 0) / 2**20 for w in workers}

    def _sample(self) -> None:
        side = self.side
        if side is None:
            return
        peaks = self.peaks.setdefault(side, {})
        for name, mib in self.now().items():
            peaks[name] = max(peaks.get(name, 0.0), mib)

    def _sample_until_done(self) -> None:
        while not self.done.wait(SAMPLE_EVERY_S):
            self._sample()

    @contextmanager
    def during(self, side: str):
        self.side = side
        try:
            yield
        finally:
            time.sleep(SAMPLE_EVERY_S)  # the last heartbeat of the workers
            self._sample()
            self.side = None

    def of(self, side: str) -> dict[str, int]:
        """The peaks (MiB, rounded) of each worker by name while `side` ran."""
        return {name: round(mib) for name, mib in sorted(self.peaks.get(side, {}).items())}
