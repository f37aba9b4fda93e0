"""A whole clustering run through the task service, against bare scikit-learn, same process.

For each size (100,000 and 1,000,000 generated customers by default) on PostgreSQL:
- setup (not timed): a dataset as an upload leaves it (Parquet copy, schema, one customer row
  per line loaded with COPY);
- bare scikit-learn: ColumnTransformer (median imputer + StandardScaler on the numeric columns,
  OneHotEncoder on the categorical ones) + KMeans(n_clusters=5, n_init=1), fit then predict, on
  the frame already in memory;
- the run: `run_create(enqueue=False)` + `run_execute` inline, exactly what the Celery task does:
  read the Parquet columns, preprocess, fit, score, interpret, name, then write the clusters, one
  assignment per customer (COPY), metrics and model in one transaction.
Printed: seconds of each, the ratio (goal: at most 4x), and the run's own stage timings.

The benchmark works in a database of its own (`--database-url`, dropped and re-created), so
it never touches the development or test databases.

    python -m tests.benchmarks.bench_runs --rows 100000,1000000
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.benchmarks._postgres import recreate_database

BASE_DIR = Path(__file__).resolve().parents[2]
N_CLUSTERS = 5
GOAL_RATIO = 4.0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", default="100000,1000000", help="comma-separated dataset sizes")
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_RUNS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_runs"
        ),
        help="PostgreSQL database for the benchmark (dropped and re-created)",
    )
    p.add_argument("--repeats", type=int, default=1, help="timed repetitions; the best counts")
    p.add_argument("--out", default="", help="JSON results (default var/bench/runs.json)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return p


def _bare_sklearn(frame, *, numeric: list[str], categorical: list[str]) -> float:
    """Seconds of the plain scikit-learn equivalent: preprocess + KMeans(n_init=1) fit + predict."""
    from sklearn.cluster import KMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    started = time.perf_counter()
    transform = ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )
    matrix = transform.fit_transform(frame)
    model = KMeans(n_clusters=N_CLUSTERS, n_init=1, random_state=0).fit(matrix)
    model.predict(matrix)
    return time.perf_counter() - started


def _dataset_create(*, owner, rows: int):
    """A dataset as the upload service leaves it, built directly (setup is not measured): the
    customer rows are loaded by the upload's own `customers_load` (COPY)."""
    import hashlib
    import io

    from django.core.files.base import ContentFile
    from django.db import transaction

    from clustering import engine
    from datasets.bulk import customers_load
    from datasets.demo import generate_customers
    from datasets.models import Dataset

    frame = generate_customers(rows, seed=rows)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    content = buffer.getvalue()
    with transaction.atomic():
        dataset = Dataset.objects.create(
            owner=owner,
            name=f"bench {rows}",
            n_rows=rows,
            n_columns=frame.shape[1],
            schema=engine.infer_schema(frame),
            sha256=hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
        )
        dataset.parquet_file.save(f"bench-{rows}.parquet", ContentFile(content), save=True)
        customers_load(dataset=dataset, frame=frame, id_column="customer_id")
    return dataset


def _measure(rows: int, repeats: int) -> dict[str, Any]:
    from accounts.models import User
    from clustering.models import ClusteringRun
    from clustering.services import run_create, run_execute
    from datasets.selectors import dataset_frame_load

    owner, _ = User.objects.get_or_create(
        username="bench-runs", defaults={"email": "bench-runs@example.com", "role": "analyst"}
    )
    clock = time.perf_counter()
    dataset = _dataset_create(owner=owner, rows=rows)
    setup_s = time.perf_counter() - clock

    probe = run_create(
        dataset=dataset, user=owner, parameters={"n_clusters": N_CLUSTERS}, enqueue=False
    )
    features = probe.features
    ClusteringRun.objects.filter(pk=probe.pk).delete()
    kinds = {column["name"]: column["kind"] for column in dataset.schema}
    numeric = [name for name in features if kinds[name] == "numeric"]
    categorical = [name for name in features if kinds[name] == "categorical"]
    frame = dataset_frame_load(dataset=dataset, columns=features)
    bare_s = min(
        _bare_sklearn(frame, numeric=numeric, categorical=categorical) for _ in range(repeats)
    )
    del frame

    best: dict[str, Any] | None = None
    for _ in range(repeats):
        clock = time.perf_counter()
        run = run_create(
            dataset=dataset, user=owner, parameters={"n_clusters": N_CLUSTERS}, enqueue=False
        )
        run_execute(run_id=run.pk)
        seconds = time.perf_counter() - clock
        run.refresh_from_db()
        if run.status != ClusteringRun.Status.SUCCEEDED:
            raise SystemExit(f"run {run.pk} ended {run.status}: {run.error}")
        if best is None or seconds < best["run_s"]:
            best = {
                "run_s": seconds,
                "timings": run.timings,
                "algorithm": run.metrics.get("algorithm_used"),
                "assignments": run.assignments.count(),
            }
        ClusteringRun.objects.filter(pk=run.pk).delete()
    assert best is not None
    return {
        "rows": rows,
        "features": features,
        "setup_s": round(setup_s, 2),
        "bare_sklearn_s": round(bare_s, 3),
        "run_s": round(best["run_s"], 3),
        "ratio": round(best["run_s"] / bare_s, 2),
        "goal_ratio": GOAL_RATIO,
        "algorithm_used": best["algorithm"],
        "assignments_saved": best["assignments"],
        "run_timings": best["timings"],
    }


def _child(a: argparse.Namespace) -> int:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    results = []
    for rows in [int(value) for value in a.rows.split(",") if value.strip()]:
        result = _measure(rows, a.repeats)
        results.append(result)
        timings = result["run_timings"]
        print(
            f"{rows:>9,} rows  bare scikit-learn {result['bare_sklearn_s']:7.2f} s   whole run "
            f"{result['run_s']:7.2f} s   ratio {result['ratio']:5.2f}x (goal <= {GOAL_RATIO}x)  "
            f"[{result['algorithm_used']}; load {timings.get('load_s')} s, engine "
            f"{timings.get('fit_s')} s, save {timings.get('save_s')} s]",
            flush=True,
        )
    out = Path(a.out) if a.out else Path(os.environ["VAR_DIR"]) / "runs.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    if a.child:
        return _child(a)
    if not a.database_url.startswith("postgres"):
        raise SystemExit("bench_runs measures on PostgreSQL: give --database-url postgres://...")
    recreate_database(a.database_url)
    var = BASE_DIR / "var" / "bench" / "runs"
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": a.database_url,
        "VAR_DIR": str(var),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TEST_DATABASE_NAME", None)
    print(f"bench_runs: whole clustering run vs bare scikit-learn, k={N_CLUSTERS}, PostgreSQL")
    command = [sys.executable, "-m", "tests.benchmarks.bench_runs", "--child", *(argv or [])]
    return subprocess.run(command, cwd=BASE_DIR, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
