"""Upload to ready against bare pandas, on generated customers, SQLite and PostgreSQL.

For each size (10,000, 100,000 and 1,000,000 rows of `datasets.demo.generate_customers`, 9
columns) one CSV is written, then every measurement runs in a fresh subprocess:
- bare: `pandas.read_csv(path, engine="pyarrow")` + `DataFrame.to_parquet`;
- ready: `datasets.services.dataset_create_from_upload` on the same file (read, sha256, parse,
  types, roles, quality report, statistics, correlations, Parquet copy, every Customer row
  loaded and indexed: COPY into the dataset's own partition on PostgreSQL, batched INSERTs on
  SQLite), then the look-up `GET /api/v1/datasets/{id}/customers/?external_id=X` through the API
  (the row found by the index, its values read from the Parquet copy) and the indexed query
  alone (medians of 20), then the dataset is deleted again (timed too).
Each side runs --repeats times (3), alternated, and every figure is the median of its runs. In
each process the operation first runs --warmups times (1) untimed, as in a serving process that
has done it before; the first run's time is reported too ("cold ratio").
Peak memory (of the first run) is the subprocess's peak RSS (`resource.getrusage`; tracemalloc
misses Arrow's buffers) minus its RSS after imports, over the DataFrame's own size
(`memory_usage(deep=True)`).

Goals (issue 3), on 1,000,000 rows on PostgreSQL: ready <= 6x bare, peak memory <= 4x the
DataFrame, look-up by external id in a few milliseconds. PostgreSQL runs when DATABASE_URL is a
postgres URL or `--postgres URL` is given; the benchmark uses its own database `<name>_bench`
beside it. Results are printed and written to `var/bench/ingest.json`.

    python -m tests.benchmarks.bench_ingest --rows 100000,1000000 --databases postgresql
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
OUT_DIR = BASE_DIR / "var" / "bench"
WORK_DIR = OUT_DIR / "ingest"
GOAL_TIME_RATIO = 6.0
GOAL_MEMORY_RATIO = 4.0
GOAL_ROWS = 1_000_000
LOOKUPS = 20


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", default="10000,100000,1000000", help="comma-separated table sizes")
    p.add_argument(
        "--databases",
        default="",
        help="sqlite,postgresql (default: sqlite, plus postgresql when a postgres URL is known)",
    )
    p.add_argument("--postgres", default="", help="postgres://... (default: DATABASE_URL)")
    p.add_argument("--repeats", type=int, default=3, help="runs of each side; medians are reported")
    p.add_argument(
        "--shuffled",
        action="store_true",
        help="rows in random order (generated ids are otherwise ascending, as in most exports)",
    )
    p.add_argument(
        "--warmups",
        type=int,
        default=1,
        help="untimed runs before the timed one in each process (a serving process is warm); "
        "the first run's time is reported too, as cold",
    )
    p.add_argument("--child", default="", help=argparse.SUPPRESS)  # bare:PATH or ready:PATH
    return p


def _rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


# --- children: one measurement each, in a fresh process ------------------------------------


def _child_bare(path: Path, *, warmups: int) -> dict:
    import pandas as pd
    import pyarrow  # noqa: F401 - imported before the baseline, like the ready side's imports

    baseline = _rss_bytes()
    timings, peak = [], 0
    for _ in range(warmups + 1):
        started = time.perf_counter()
        frame = pd.read_csv(path, engine="pyarrow")
        frame.to_parquet(WORK_DIR / f"{path.stem}.bare.parquet", index=False)
        timings.append(time.perf_counter() - started)
        peak = peak or _rss_bytes() - baseline
    return {
        "seconds": timings[-1],
        "cold_seconds": timings[0],
        "peak_bytes": peak,
        "frame_bytes": int(frame.memory_usage(deep=True).sum()),
    }


def _child_ready(path: Path, *, warmups: int) -> dict:
    import django

    django.setup()
    from django.core.files import File
    from rest_framework.test import APIClient

    from accounts.models import User
    from datasets.selectors import customer_list
    from datasets.services import dataset_create_from_upload, dataset_delete

    owner, _ = User.objects.get_or_create(
        username="bench-ingest", defaults={"email": "bench-ingest@example.com", "role": "analyst"}
    )
    baseline = _rss_bytes()
    uploads, peak = [], 0
    for run in range(warmups + 1):
        started = time.perf_counter()
        with path.open("rb") as handle:
            dataset, _ = dataset_create_from_upload(
                owner=owner, uploaded_file=File(handle, name=path.name), force_new=True
            )
        uploads.append(time.perf_counter() - started)
        peak = peak or _rss_bytes() - baseline  # one upload's, in a fresh process
        if run < warmups:
            dataset_delete(dataset=dataset)

    client = APIClient()
    client.force_authenticate(owner)
    target = f"C{(dataset.n_rows // 2):07d}"
    url = f"/api/v1/datasets/{dataset.pk}/customers/"
    timings = []
    for _ in range(LOOKUPS):
        begun = time.perf_counter()
        response = client.get(url, {"external_id": target})
        timings.append(time.perf_counter() - begun)
        assert response.status_code == 200, response.content
        assert response.json()["count"] == 1, response.content
    query_timings = []  # the indexed query alone, without HTTP, auth and throttling around it
    for _ in range(LOOKUPS):
        begun = time.perf_counter()
        found = list(customer_list(dataset=dataset).filter(external_id=target)[:50])
        query_timings.append(time.perf_counter() - begun)
        assert len(found) == 1
    begun = time.perf_counter()
    dataset_delete(dataset=dataset)
    delete_seconds = time.perf_counter() - begun
    return {
        "seconds": uploads[-1],
        "cold_seconds": uploads[0],
        "peak_bytes": peak,
        "rows": dataset.n_rows,
        "lookup_ms": statistics.median(timings) * 1000,
        "query_ms": statistics.median(query_timings) * 1000,
        "delete_seconds": delete_seconds,
    }


# --- parent ----------------------------------------------------------------------------------


def _write_csv(rows: int, *, shuffled: bool) -> Path:
    from datasets.demo import customers_csv_write, generate_customers

    path = WORK_DIR / f"customers_{rows}{'_shuffled' if shuffled else ''}.csv"
    if not path.exists():
        frame = generate_customers(rows, seed=0)
        if shuffled:  # ids no longer in file order: sorting them is the database's work
            frame = frame.sample(frac=1.0, random_state=0)
        customers_csv_write(frame, path)
    return path


def _postgres_url(given: str) -> str:
    url = given or os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


def _bench_database(url: str) -> str:
    """`<name>_bench` beside the given database, created if missing, so no real data is touched."""
    import psycopg

    base, _, name = url.rpartition("/")
    name = name.split("?")[0] or "postgres"
    bench_name = f"{name}_bench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [bench_name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{bench_name}"')
    return f"{base}/{bench_name}"


def _environment(database: str, postgres: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env["VAR_DIR"] = str(WORK_DIR / f"var-{database}")
    env["MEDIA_ROOT"] = str(WORK_DIR / f"media-{database}")
    env.pop("REDIS_URL", None)
    if database == "postgresql":
        env["DATABASE_URL"] = _bench_database(postgres)
    else:
        env["DATABASE_URL"] = f"sqlite:///{WORK_DIR / 'bench.sqlite3'}"
    return env


def _run_child(kind: str, path: Path, env: dict[str, str], *, warmups: int) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.bench_ingest",
            "--child",
            f"{kind}:{path}",
            "--warmups",
            str(warmups),
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median_of(runs: list[dict]) -> dict:
    """Each figure's median over the runs (the machine is shared: single runs are noisy)."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.child:
        kind, _, path = args.child.partition(":")
        child = _child_bare if kind == "bare" else _child_ready
        result = child(Path(path), warmups=args.warmups)
        print(json.dumps(result))
        return 0

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(BASE_DIR))
    postgres = _postgres_url(args.postgres)
    databases = [d for d in args.databases.split(",") if d] or (
        ["sqlite", "postgresql"] if postgres else ["sqlite"]
    )
    if "postgresql" in databases and not postgres:
        print("PostgreSQL asked for, but no postgres URL: set DATABASE_URL or --postgres.")
        return 2
    environments = {database: _environment(database, postgres) for database in databases}
    for env in environments.values():
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )

    results = []
    header = (
        f"{'rows':>9} {'database':>10} {'ready s':>8} {'bare s':>7} {'ratio':>6} "
        f"{'peak MB':>8} {'frame MB':>8} {'mem x':>6} {'lookup ms':>9} {'query ms':>8} "
        f"{'delete s':>8} {'cold ratio':>10}"
    )
    print(header)
    for rows in [int(r) for r in args.rows.split(",") if r]:
        path = _write_csv(rows, shuffled=args.shuffled)
        for database, env in environments.items():
            bares, readies = [], []
            for _ in range(args.repeats):  # alternated, so both sides see the same machine
                bares.append(_run_child("bare", path, env, warmups=args.warmups))
                readies.append(_run_child("ready", path, env, warmups=args.warmups))
            bare, ready = _median_of(bares), _median_of(readies)
            row = {
                "rows": rows,
                "shuffled": args.shuffled,
                "database": database,
                "file_bytes": path.stat().st_size,
                "ready_seconds": round(ready["seconds"], 3),
                "bare_seconds": round(bare["seconds"], 3),
                "time_ratio": round(ready["seconds"] / bare["seconds"], 2),
                "cold_ready_seconds": round(ready["cold_seconds"], 3),
                "cold_bare_seconds": round(bare["cold_seconds"], 3),
                "cold_time_ratio": round(ready["cold_seconds"] / bare["cold_seconds"], 2),
                "peak_mb": round(ready["peak_bytes"] / 2**20, 1),
                "bare_peak_mb": round(bare["peak_bytes"] / 2**20, 1),
                "frame_mb": round(bare["frame_bytes"] / 2**20, 1),
                "memory_ratio": round(ready["peak_bytes"] / bare["frame_bytes"], 2),
                "lookup_ms": round(ready["lookup_ms"], 2),
                "query_ms": round(ready["query_ms"], 2),
                "delete_seconds": round(ready["delete_seconds"], 3),
            }
            results.append(row)
            print(
                f"{rows:>9} {database:>10} {row['ready_seconds']:>8.2f} "
                f"{row['bare_seconds']:>7.2f} {row['time_ratio']:>6.2f} {row['peak_mb']:>8.1f} "
                f"{row['frame_mb']:>8.1f} {row['memory_ratio']:>6.2f} {row['lookup_ms']:>9.2f} "
                f"{row['query_ms']:>8.2f} {row['delete_seconds']:>8.2f} "
                f"{row['cold_time_ratio']:>10.2f}",
                flush=True,
            )
    for row in results:
        if row["rows"] == GOAL_ROWS and row["database"] == "postgresql":
            print(
                f"Goal on {GOAL_ROWS:,} rows, PostgreSQL: ready {row['time_ratio']}x bare "
                f"(goal <= {GOAL_TIME_RATIO}x; first run in a fresh process "
                f"{row['cold_time_ratio']}x), peak memory {row['memory_ratio']}x the DataFrame "
                f"(goal <= {GOAL_MEMORY_RATIO}x), look-up {row['lookup_ms']} ms through the API "
                f"({row['query_ms']} ms the query alone)."
            )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "ingest.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
