"""`POST /predict` under load, side by side with the reference peer; and a batch of 1,000.

Both servers run on loopback in the same run, and the same load generator drives both
(`../shared/bench/load_predict.py`, closed loop, concurrency 1, 8 and 32):
- this service: gunicorn, 2 workers (4 threads each, as `make run`), PostgreSQL
  (`--database-url`, a database of its own that is dropped and re-created), Redis as the
  shared cache when `--redis-url` is given; the published segmentation is k-means (k=5) of
  the same 5,000 generated customers the peer trains on;
- the peer (`../shared/bench/peer_fastapi/`): FastAPI + uvicorn, 2 workers, SQLite, started by
  its own `run.sh`, from its own virtual environment (`--peer-python`; created under
  `var/bench/peer-venv` from the peer's requirements when absent, never in the project venv).
Then: one `POST /api/v1/predictions/` of 1,000 customers (predicted and recorded in one insert)
against one single `POST /predict`: batches and singles interleaved (5 singles after each
batch) on two kept-alive connections, medians of each. `--batch-only` measures just that.

Goals (issue 5): throughput at c=8 >= 1.5x the peer's with p99 no worse, zero errors; the batch
under 10x a single request. Printed as ratios; the JSON lands in `var/bench/predict.json`.

    python -m tests.benchmarks.bench_predict --duration 20
    python -m tests.benchmarks.bench_predict --batch-only --batch-repeats 30
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.benchmarks._postgres import recreate_database

BASE_DIR = Path(__file__).resolve().parents[2]
DEFAULT_BENCH_DIR = BASE_DIR.parent / "shared" / "bench"
FEATURES = ["age", "gender", "annual_income", "spending_score", "purchase_frequency"]
BENCH_USERNAME = "bench"
BENCH_PASSWORD = "bench-only-Password-9"
TRAIN_ROWS, TRAIN_SEED, N_CLUSTERS = 5000, 42, 5  # what the peer trains on (peer_fastapi/app.py)
BATCH_ROWS = 1000
SINGLES_PER_BATCH = 5  # single requests timed after each batch
GOAL_THROUGHPUT_RATIO = 1.5
GOAL_BATCH_RATIO = 10.0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds per level")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per level")
    p.add_argument("--concurrency", default="1,8,32")
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench"),
        help="PostgreSQL database for this service (dropped and re-created)",
    )
    p.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""))
    p.add_argument("--port", type=int, default=8040)
    p.add_argument("--peer-port", type=int, default=8041)
    p.add_argument(
        "--threads", type=int, default=4, help="gunicorn threads per worker (as `make run`)"
    )
    p.add_argument("--bench-dir", default=str(DEFAULT_BENCH_DIR))
    p.add_argument("--peer-python", default="", help="python of a venv with the peer installed")
    p.add_argument("--batch-repeats", type=int, default=15, help="batches timed (median)")
    p.add_argument(
        "--batch-only",
        action="store_true",
        help="only the batch against single requests (no load levels, no peer)",
    )
    p.add_argument("--skip-peer", action="store_true", help="measure this service only")
    p.add_argument("--out", default="", help="JSON results (default var/bench/predict.json)")
    return p


# --- processes -----------------------------------------------------------------------------------


def _var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def _django_env(a: argparse.Namespace, var: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": a.database_url,
        "VAR_DIR": str(var),
        "THROTTLE_USER": "1000000000/hour",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    if a.redis_url:
        env["REDIS_URL"] = a.redis_url
    return env


SETUP_SCRIPT = """
import sys
sys.path.insert(0, {bench_dir!r})
import gen_customers
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.models import User
from clustering.services import run_execute_inline, run_publish
from datasets.services import dataset_create_from_upload

cache.clear()
frame = gen_customers.generate({rows}, seed={seed})
user = User.objects.create_user(username={username!r}, email="bench@example.com",
                                password={password!r}, role="analyst")
upload = SimpleUploadedFile("customers.csv", frame.to_csv(index=False).encode())
dataset, _ = dataset_create_from_upload(owner=user, uploaded_file=upload)
run = run_execute_inline(dataset=dataset, user=user, algorithm="kmeans",
                         parameters={{"n_clusters": {k}, "random_state": {seed}}},
                         features={features!r})
run_publish(run=run, user=user)
print("published run", run.pk, "of", dataset.n_rows, "rows")
"""


def _setup_service(a: argparse.Namespace, env: dict[str, str]) -> None:
    if a.database_url.startswith("postgres"):
        recreate_database(a.database_url)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
    )
    if not a.redis_url:
        subprocess.run([python, "manage.py", "createcachetable"], cwd=BASE_DIR, env=env, check=True)
    script = SETUP_SCRIPT.format(
        bench_dir=a.bench_dir,
        rows=TRAIN_ROWS,
        seed=TRAIN_SEED,
        username=BENCH_USERNAME,
        password=BENCH_PASSWORD,
        k=N_CLUSTERS,
        features=FEATURES,
    )
    subprocess.run([python, "manage.py", "shell", "-c", script], cwd=BASE_DIR, env=env, check=True)


def _wait_for_port(port: int, process: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on port {port} after {timeout_s:.0f} s")


def _start_gunicorn(a: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{a.port}", "--workers", "2"]
    if a.threads > 1:
        command += ["--threads", str(a.threads)]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    _wait_for_port(a.port, process)
    return process


def _peer_python(a: argparse.Namespace, var: Path) -> str:
    if a.peer_python:
        return a.peer_python
    venv = var / "bench" / "peer-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        requirements = str(Path(a.bench_dir) / "requirements.txt")
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", requirements], check=True
        )
    return str(python)


def _start_peer(a: argparse.Namespace, python: str, var: Path) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "PYTHON": python,
        "PORT": str(a.peer_port),
        "WORKERS": "2",
        "PEER_DATABASE_URL": f"sqlite:///{var / 'bench' / 'peer.db'}",
    }
    run_sh = str(Path(a.bench_dir) / "peer_fastapi" / "run.sh")
    process = subprocess.Popen([run_sh], env=env)
    _wait_for_port(a.peer_port, process)
    token = subprocess.run(
        [python, str(Path(a.bench_dir) / "peer_fastapi" / "make_token.py"), "--minutes", "240"],
        env={**env, "PEER_SECRET_KEY": "bench-only-signing-key-not-for-production"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return process, token


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- measurements -------------------------------------------------------------------------------


def _login(port: int) -> str:
    body = json.dumps({"username": BENCH_USERNAME, "password": BENCH_PASSWORD}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/auth/login",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 - loopback only
        document = json.loads(answer.read())
    return document.get("access_token") or document["access"]


def _load(a: argparse.Namespace, *, port: int, token: str, level: int, label: str, var: Path):
    out = var / "bench" / f"load-{label}-c{level}.json"
    command = [
        sys.executable,
        str(Path(a.bench_dir) / "load_predict.py"),
        "--base-url",
        f"http://127.0.0.1:{port}",
        "--path",
        "/predict",
        "--token",
        token,
        "--concurrency",
        str(level),
        "--duration",
        str(a.duration),
        "--warmup",
        str(a.warmup),
        "--label",
        label,
        "--json-out",
        str(out),
    ]
    print(f"{label}:", flush=True)
    subprocess.run(command, check=False)
    return json.loads(out.read_text())["results"][0]


class _Poster:
    """POSTs of one body on a kept-alive loopback connection, timed to the last byte read."""

    def __init__(self, port: int, token: str, path: str, body: Any) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.path, self.payload = path, json.dumps(body).encode()
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def post(self) -> float:
        started = time.perf_counter()
        self.connection.request("POST", self.path, body=self.payload, headers=self.headers)
        answer = self.connection.getresponse()
        answer.read()
        elapsed = time.perf_counter() - started
        if answer.status >= 300:
            raise SystemExit(f"POST {self.path} answered {answer.status}")
        return elapsed


def _batch_vs_single(a: argparse.Namespace, token: str) -> dict[str, float]:
    import random

    rng = random.Random(7)
    records = [
        {
            "sex": rng.choice(["Male", "Female"]),
            "age": rng.randint(18, 80),
            "annual_income": round(rng.uniform(10, 150), 1),
            "spending_score": rng.randint(1, 100),
            "purchase_frequency": rng.randint(0, 60),
        }
        for _ in range(BATCH_ROWS)
    ]
    single = _Poster(a.port, token, "/predict", records[0])
    batch = _Poster(a.port, token, "/api/v1/predictions/", {"records": records})
    for _ in range(3):  # warm both connections, workers and caches
        batch.post()
        single.post()
    # Interleaved, so a busy moment of the machine weighs on both sides alike.
    single_s: list[float] = []
    batch_s: list[float] = []
    for _ in range(a.batch_repeats):
        batch_s.append(batch.post())
        single_s.extend(single.post() for _ in range(SINGLES_PER_BATCH))
    single_ms = statistics.median(single_s) * 1e3
    batch_ms = statistics.median(batch_s) * 1e3
    return {
        "single_median_ms": round(single_ms, 2),
        "batch_1000_median_ms": round(batch_ms, 2),
        "ratio": round(batch_ms / single_ms, 2),
        "batches": len(batch_s),
        "singles": len(single_s),
    }


def _report(levels: list[dict], batch: dict[str, float]) -> None:
    if levels:
        print("\n/predict, requests/s and latency (ms), same machine, same run:")
        print(
            f"{'c':>3} | {'ours rps':>9} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>4} | "
            f"{'peer rps':>9} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>4} | {'ratio':>6}"
        )
    for row in levels:
        ours, peer = row["ours"], row.get("peer")
        line = (
            f"{row['concurrency']:>3} | {ours['rps']:>9.1f} {ours['p50_ms']:>7.2f} "
            f"{ours['p95_ms']:>7.2f} {ours['p99_ms']:>7.2f} {ours['errors']:>4} | "
        )
        if peer:
            line += (
                f"{peer['rps']:>9.1f} {peer['p50_ms']:>7.2f} {peer['p95_ms']:>7.2f} "
                f"{peer['p99_ms']:>7.2f} {peer['errors']:>4} | "
                f"{ours['rps'] / max(peer['rps'], 0.1):>5.2f}x"
            )
        print(line)
    at8 = next((row for row in levels if row["concurrency"] == 8 and row.get("peer")), None)
    if at8:
        ratio = at8["ours"]["rps"] / max(at8["peer"]["rps"], 0.1)
        p99_ok = at8["ours"]["p99_ms"] <= at8["peer"]["p99_ms"]
        met = ratio >= GOAL_THROUGHPUT_RATIO and p99_ok and not at8["ours"]["errors"]
        print(
            f"goal c=8: {ratio:.2f}x the peer's throughput (>= {GOAL_THROUGHPUT_RATIO}x), "
            f"p99 {'no worse' if p99_ok else 'WORSE'}: {'met' if met else 'NOT met'}"
        )
    print(
        f"batch of {BATCH_ROWS}: {batch['batch_1000_median_ms']} ms vs single "
        f"{batch['single_median_ms']} ms = {batch['ratio']}x (goal <= {GOAL_BATCH_RATIO}x; "
        f"medians of {batch['batches']} batches and {batch['singles']} singles, interleaved): "
        f"{'met' if batch['ratio'] <= GOAL_BATCH_RATIO else 'NOT met'}"
    )


def main(argv: list[str] | None = None) -> int:
    a, _ = parser().parse_known_args(argv)  # the runner may pass other modules' flags too
    levels = [] if a.batch_only else [int(c) for c in a.concurrency.split(",") if c]
    var = _var_dir()
    (var / "bench").mkdir(parents=True, exist_ok=True)
    env = _django_env(a, var)
    print(f"setting up this service on {a.database_url} ...", flush=True)
    _setup_service(a, env)
    ours = peer = None
    try:
        ours = _start_gunicorn(a, env)
        token = _login(a.port)
        peer_token = ""
        if not (a.skip_peer or a.batch_only):
            peer, peer_token = _start_peer(a, _peer_python(a, var), var)
        results = []
        for level in levels:
            row: dict[str, Any] = {"concurrency": level}
            if peer is not None:
                row["peer"] = _load(
                    a, port=a.peer_port, token=peer_token, level=level, label="peer", var=var
                )
            row["ours"] = _load(a, port=a.port, token=token, level=level, label="ours", var=var)
            results.append(row)
        batch = _batch_vs_single(a, token)
    finally:
        _stop(ours)
        _stop(peer)
    _report(results, batch)
    out = Path(a.out) if a.out else var / "bench" / "predict.json"
    setup = {"gunicorn_workers": 2, "gunicorn_threads": a.threads, "redis": bool(a.redis_url)}
    out.write_text(json.dumps({"setup": setup, "levels": results, "batch": batch}, indent=1))
    print(f"results: {out}")
    errors = sum(row["ours"]["errors"] for row in results)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
