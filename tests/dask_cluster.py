"""A real Dask cluster for tests and benchmarks: `dask scheduler` and two `dask worker` processes
on 127.0.0.1, each worker with a memory limit, started from the project's folder (the workers
import the engine's per-partition functions from it) and stopped by their process ids.

Nothing is skipped: a cluster that does not start fails the test that asked for it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SCHEDULER_PORT = int(os.environ.get("TEST_DASK_SCHEDULER_PORT", "8190"))
WORKER_MEMORY_LIMIT = "1GiB"
READY_S = 90


class DaskProcess:
    """One `dask ...` command in its own session (so a kill takes its nanny and worker)."""

    def __init__(self, args: list[str], log_path: Path) -> None:
        self.args = args
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "dask"), *self.args],
            cwd=BASE_DIR,
            env={**os.environ, "PYTHONPATH": str(BASE_DIR), "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole process group: the worker dies like a lost host."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text()[-4000:] if self.log_path.exists() else ""


class DaskCluster:
    """The scheduler at `address` and `workers` (index 0 and 1)."""

    def __init__(
        self,
        log_dir: Path,
        *,
        port: int = SCHEDULER_PORT,
        n_workers: int = 2,
        memory_limit: str = WORKER_MEMORY_LIMIT,
    ) -> None:
        self.port = port
        self.address = f"tcp://127.0.0.1:{port}"
        self.memory_limit = memory_limit
        self.scheduler = DaskProcess(
            ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            log_dir / "scheduler.log",
        )
        self.workers = [
            DaskProcess(self._worker_args(index), log_dir / f"worker-{index}.log")
            for index in range(n_workers)
        ]

    def _worker_args(self, index: int) -> list[str]:
        # Worker and nanny ports right after the scheduler's: the cluster stays in its range.
        worker_port, nanny_port = self.port + 1 + 2 * index, self.port + 2 + 2 * index
        return [
            "worker", self.address, "--host", "127.0.0.1",
            "--nworkers", "1", "--nthreads", "1", "--memory-limit", self.memory_limit,
            "--worker-port", str(worker_port), "--nanny-port", str(nanny_port),
            "--no-dashboard", "--death-timeout", "60", "--name", f"worker-{index}",
        ]  # fmt: skip

    def start(self) -> None:
        self.scheduler.start()
        for worker in self.workers:
            worker.start()
        self.wait_for_workers(len(self.workers))

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        try:
            with Client(self.address, timeout=f"{READY_S}s") as client:
                client.wait_for_workers(count, timeout=READY_S)
        except Exception as exc:
            self.stop()
            raise RuntimeError(
                f"The Dask cluster did not start ({exc}).\nScheduler:\n{self.scheduler.log()}\n"
                + "\n".join(f"Worker {i}:\n{w.log()}" for i, w in enumerate(self.workers))
            ) from exc

    def restart_dead_workers(self) -> None:
        for worker in self.workers:
            if not worker.alive():
                worker.start()
        self.wait_for_workers(len(self.workers))

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            process.stop()


def wait_until(condition, *, timeout_s: float, step_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step_s)
    return False


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    """One real Dask cluster for the whole session (registered in tests/conftest.py; never
    imported into a test module): started when a test first asks for it, stopped at the end.
    Tests that kill a worker call `restart_dead_workers()` before the next use."""
    cluster = DaskCluster(tmp_path_factory.mktemp("dask"))
    cluster.start()  # raises with the processes' logs when it cannot: never skipped
    yield cluster
    cluster.stop()
