"""Reports on 1,000,000 assigned customers, each side by side with bare pandas in the same run.

Setup (not timed): `datasets.demo.generate_customers(rows)` uploaded as CSV through
`dataset_create_from_upload`, clustered by the real run services (K-Means, k=5) and published,
in a database of its own (SQLite under var/bench by default, or `--database-url`; dropped and
re-created).

- export: `export_create` of the run's customers as CSV (Parquet + assignments read, cluster
  names joined, spreadsheet-safe chunked writing, file stored), built inline, against bare
  `DataFrame.to_csv` of the very frame the export wrote (already in memory);
- segments cold: `GET /api/segments/clv` with an empty cache (Parquet read, CLV, tiers, group
  by, envelope) against bare pandas: `read_parquet` of the same columns, CLV, quantile tiers and
  the same averages by `groupby`;
- segments warm: the same request again, answered from the shared cache (median of repeats).

Goals (issue 6), on 1,000,000 rows: export <= 2x bare, cold <= 2x bare, warm in milliseconds.
Printed as ratios; the JSON lands in `var/bench/reports.json`.

    python -m tests.benchmarks.bench_reports --rows 1000000
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from tests.benchmarks._postgres import recreate_database

BASE_DIR = Path(__file__).resolve().parents[2]
N_CLUSTERS = 5
SEED = 0
GOAL_EXPORT_RATIO = 2.0
GOAL_COLD_RATIO = 2.0
GOAL_WARM_MS = 50.0
FEATURES = ["age", "annual_income", "spending_score", "purchase_frequency"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3, help="timed runs per side (best is kept)")
    p.add_argument("--warm-repeat", type=int, default=20)
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="database for the run (dropped and re-created); default a SQLite file in var/bench",
    )
    p.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""))
    p.add_argument("--out", default="", help="JSON results (default var/bench/reports.json)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database and files of an earlier `--reuse` run of the same size and skip "
        "the setup (the upload of 1,000,000 rows takes minutes on SQLite)",
    )
    return p


def _bench_dir() -> Path:
    path = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")) / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _django(a: argparse.Namespace, bench: Path) -> None:
    """Point Django at the bench's own database and cache, then set it up and migrate."""
    if a.database_url:
        if a.database_url.startswith("postgres") and not a.reuse:
            recreate_database(a.database_url)
        os.environ["DATABASE_URL"] = a.database_url
    else:
        sqlite = bench / "reports.sqlite3"
        if not a.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite}"
    os.environ.pop("REDIS_URL", None)
    if a.redis_url:
        os.environ["REDIS_URL"] = a.redis_url
    os.environ.pop("TEST_DATABASE_NAME", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = bench / "reports-media"
    settings.EXPORT_INLINE_MAX_ROWS = 10 * a.rows  # build inline: the export itself is timed
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", "--noinput", verbosity=0)


def _published_run(rows: int, *, reuse: bool):
    """Upload, cluster and publish `rows` demo customers with the real services (or, with
    `reuse`, take the published run an earlier run left when it has that many rows)."""
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from clustering.selectors import published_run_get
    from clustering.services import run_create, run_execute, run_publish
    from datasets.demo import generate_customers
    from datasets.services import dataset_create_from_upload

    cache.clear()
    if reuse:
        run = published_run_get()
        if (
            run is not None
            and run.dataset.n_rows == rows
            and run.dataset.parquet_file.storage.exists(run.dataset.parquet_file.name)
        ):
            print(f"setup: reusing published run {run.pk} of {rows:,} rows")
            return run.created_by, run
    User.objects.filter(username="bench").delete()  # what a stale earlier setup left
    user = User.objects.create_user(
        username="bench", email="bench@example.com", password="bench-Only-pass-7", role="analyst"
    )
    frame = generate_customers(rows, seed=SEED)
    upload = SimpleUploadedFile("customers.csv", frame.to_csv(index=False).encode())
    del frame
    clock = time.perf_counter()
    dataset, _ = dataset_create_from_upload(owner=user, uploaded_file=upload)
    print(f"setup: upload of {dataset.n_rows:,} rows {time.perf_counter() - clock:.1f} s")
    clock = time.perf_counter()
    run = run_create(
        dataset=dataset,
        user=user,
        parameters={"n_clusters": N_CLUSTERS, "random_state": SEED},
        features=FEATURES,
        enqueue=False,
    )
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    if run.status != "succeeded":
        raise SystemExit(f"The bench run failed: {run.error}")
    run = run_publish(run=run, user=user)
    print(f"setup: clustering + publish {time.perf_counter() - clock:.1f} s")
    return user, run


def _best_pair(ours, bare, repeat: int, *, before=None) -> tuple[float, float]:
    """Best time of each side, run alternately so a busy moment of the machine hits both.
    `before` runs untimed ahead of each of our runs (e.g. emptying the cache)."""
    timings: dict[str, list[float]] = {"ours": [], "bare": []}
    for _ in range(repeat):
        for side, function in (("bare", bare), ("ours", ours)):
            if side == "ours" and before is not None:
                before()
            clock = time.perf_counter()
            function()
            timings[side].append(time.perf_counter() - clock)
    return min(timings["ours"]), min(timings["bare"])


def bench_export(user, run, a: argparse.Namespace, bench: Path) -> dict:
    from django.core.files.storage import default_storage

    from reports.models import Export
    from reports.selectors import assignments_frame_for_export
    from reports.services import export_create

    def ours() -> None:
        export = export_create(user=user, run=run, file_format="csv")
        if export.status != Export.Status.READY:
            raise SystemExit(f"The export failed: {export.error}")
        default_storage.delete(export.file.name)
        export.delete()

    frame = assignments_frame_for_export(run=run)
    bare_path = bench / "reports-bare.csv"

    def bare() -> None:
        frame.to_csv(bare_path, index=False)

    seconds_ours, seconds_bare = _best_pair(ours, bare, a.repeat)
    bare_path.unlink(missing_ok=True)
    return {
        "rows": len(frame),
        "columns": frame.shape[1],
        "ours_s": round(seconds_ours, 3),
        "bare_s": round(seconds_bare, 3),
        "ratio": round(seconds_ours / seconds_bare, 2),
        "goal_ratio": GOAL_EXPORT_RATIO,
    }


def bench_segments(user, run, a: argparse.Namespace) -> dict:
    import numpy as np
    import pandas as pd
    from django.core.cache import cache
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)

    def request() -> None:
        response = client.get("/api/segments/clv")
        if response.status_code != 200:
            raise SystemExit(f"GET /api/segments/clv answered {response.status_code}")

    from datasets.selectors import dataset_urls

    path = dataset_urls(dataset=run.dataset)[0]  # a file:// URL on the local data root

    def bare() -> None:
        data = pd.read_parquet(
            path,
            columns=[
                "avg_purchase_amount",
                "purchase_frequency",
                "tenure_months",
                "annual_income",
            ],
        )
        years = data["tenure_months"] / 12
        clv = data["avg_purchase_amount"] * data["purchase_frequency"] * years
        edges = [-np.inf, *clv.quantile([0.4, 0.7, 0.9]).to_numpy(), np.inf]
        tier = pd.cut(clv, bins=edges, labels=["Bronze", "Silver", "Gold", "Platinum"], right=False)
        data = data.assign(clv=clv, years=years, tier=tier)
        data.groupby("tier", observed=True).agg(
            total_customers=("clv", "size"),
            avg_purchase_amount=("avg_purchase_amount", "mean"),
            avg_frequency=("purchase_frequency", "mean"),
            avg_clv=("clv", "mean"),
            avg_income=("annual_income", "mean"),
            avg_lifespan_years=("years", "mean"),
        )

    seconds_cold, seconds_bare = _best_pair(request, bare, a.repeat, before=cache.clear)
    cache.clear()
    request()  # fill the cache
    warm = []
    for _ in range(a.warm_repeat):
        clock = time.perf_counter()
        request()
        warm.append(time.perf_counter() - clock)
    warm_ms = statistics.median(warm) * 1000
    return {
        "rows": run.dataset.n_rows,
        "cold_s": round(seconds_cold, 3),
        "bare_s": round(seconds_bare, 3),
        "cold_ratio": round(seconds_cold / seconds_bare, 2),
        "goal_cold_ratio": GOAL_COLD_RATIO,
        "warm_median_ms": round(warm_ms, 2),
        "goal_warm_ms": GOAL_WARM_MS,
    }


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    sys.path.insert(0, str(BASE_DIR))
    bench = _bench_dir()
    _django(a, bench)
    from django.db import connection

    print(f"database: {connection.vendor}; rows: {a.rows:,}")
    user, run = _published_run(a.rows, reuse=a.reuse)
    export = bench_export(user, run, a, bench)
    print(
        f"export CSV  : ours {export['ours_s']:.2f} s, bare to_csv {export['bare_s']:.2f} s, "
        f"ratio {export['ratio']:.2f} (goal <= {GOAL_EXPORT_RATIO})"
    )
    segments = bench_segments(user, run, a)
    print(
        f"segments clv: cold {segments['cold_s']:.3f} s, bare pandas {segments['bare_s']:.3f} s, "
        f"ratio {segments['cold_ratio']:.2f} (goal <= {GOAL_COLD_RATIO}); "
        f"warm median {segments['warm_median_ms']:.1f} ms"
    )
    results = {"database": connection.vendor, "export": export, "segments": segments}
    out = Path(a.out) if a.out else bench / "reports.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}")
    if not a.reuse:
        shutil.rmtree(bench / "reports-media", ignore_errors=True)
    met = (
        export["ratio"] <= GOAL_EXPORT_RATIO
        and segments["cold_ratio"] <= GOAL_COLD_RATIO
        and segments["warm_median_ms"] <= GOAL_WARM_MS
    )
    print("goals met" if met else "goals NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
