"""`make run`'s supervisor: gunicorn and one Celery worker (with beat) as its children.

SIGTERM, SIGINT (Ctrl-C) or SIGHUP stop both: each child gets one SIGTERM (gunicorn: graceful
stop; the worker: warm shutdown), and the supervisor waits for both. A child still running
STOP_GRACE_S after that is killed with its whole process group (a Celery task cut short this
way is redelivered or, once a worker starts again, its run is failed with a reason), so the
whole stop takes at most STOP_GRACE_S plus a moment. Each child runs in a session of its own, so
a Ctrl-C in the terminal reaches only the supervisor and every child is signalled exactly once.
When one child exits by itself, the other is stopped the same way and the supervisor exits
with an error; when its parent (`make`) goes away, it stops as on SIGHUP.

    python -m config.serve --port 8000 --request-timeout 360
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_GRACE_S = float(os.environ.get("SERVE_STOP_GRACE_S", "8"))
POLL_S = 0.1


def _commands(*, port: int, request_timeout: int, workers: int) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    return {
        "worker": [
            str(bin_dir / "celery"), "-A", "config", "worker", "--beat",
            "--concurrency", "2", "--loglevel", "INFO",
            "--schedule", str(BASE_DIR / "var" / "celerybeat-schedule"),
        ],
        "gunicorn": [
            str(bin_dir / "gunicorn"), "config.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "4",
            "--timeout", str(request_timeout),
            # Below STOP_GRACE_S: requests in flight finish, then gunicorn stops on its own.
            "--graceful-timeout", str(max(1, int(STOP_GRACE_S) - 2)),
            "--access-logfile", "-",
        ],
    }  # fmt: skip


class Supervisor:
    def __init__(self, commands: dict[str, list[str]]) -> None:
        self.commands = commands
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_requested: int | None = None

    def _on_signal(self, signum: int, _frame) -> None:
        if self.stop_requested is None:
            self.stop_requested = signum

    def start(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        for name, command in self.commands.items():
            self.children[name] = subprocess.Popen(  # noqa: S603 - our own fixed commands
                command, cwd=BASE_DIR, start_new_session=True
            )

    def wait(self) -> int:
        """Run until a stop signal or a child's exit; stop both; the exit status."""
        exited: str | None = None
        parent = os.getppid()
        while self.stop_requested is None and exited is None:
            exited = next((n for n, p in self.children.items() if p.poll() is not None), None)
            if os.getppid() != parent:  # `make` was stopped alone: stop with it
                self.stop_requested = signal.SIGHUP
            time.sleep(POLL_S)
        reason = f"signal {self.stop_requested}" if exited is None else f"{exited} exited"
        print(f"serve: stopping ({reason})", file=sys.stderr, flush=True)
        started = time.monotonic()
        self.stop()
        print(f"serve: stopped in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
        return 0 if exited is None else 1

    def stop(self) -> None:
        for process in self.children.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # once each
        deadline = time.monotonic() + STOP_GRACE_S
        for name, process in self.children.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"serve: {name} did not stop in time; killing it", file=sys.stderr)
            self._kill_group(process)

    @staticmethod
    def _kill_group(process: subprocess.Popen) -> None:
        """SIGKILL what is left of the child's session (pool processes, a stuck child)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--request-timeout", type=int, default=360)
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args(argv)
    commands = _commands(
        port=args.port, request_timeout=args.request_timeout, workers=args.web_workers
    )
    supervisor = Supervisor(commands)
    supervisor.start()
    return supervisor.wait()


if __name__ == "__main__":
    sys.exit(main())
