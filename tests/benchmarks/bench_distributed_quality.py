"""How good is K-Means on the Dask cluster next to the single-machine engine, on the same rows?

Two tables, each written as Parquet parts and read by a real local Dask cluster (two workers):
- "generated": `bench_distributed`'s customer table (15 numeric features, five of them
  heavy-tailed, 4 categorical ones; 6 planted segments), k=6;
- "purchases": customers derived (`datasets.ingest.transactions.customer_table`: recency,
  frequency, monetary, average order value, tenure) from a generated purchase log with four
  planted customer types (`tests/purchase_logs.py`: most buy once, a few whales), k=4.

On each: the distributed engine end to end (`fit_distributed`), the single-machine engine
(`clustering.engine.fit`) on the same rows, and, on the distributed path's own sample and
encoded partitions, the ways of starting the cluster's Lloyd iterations:
- `kmeans||`: dask-ml's k-means|| (one start);
- `kmeans|| x10`: k-means|| oversampling 10 (dask-ml's default: 2) and 10 k-means++ starts on
  its candidates;
- `sample best of 10`: the single-machine K-Means (10 k-means++ starts) on the sample alone;
- `sample best of 10 + Lloyd`: those centres refined by dask-ml's Lloyd iterations on all rows.

Every labelling is scored in one model space, the distributed path's (preprocessing fitted on its
sample): within-cluster sum of squares per row (over all rows, about the labelling's own means),
silhouette on one common sample of 10,000 rows, ARI against the planted labels and between
solutions. The single-machine engine's own inertia per row is in its own model space.

    python -m tests.benchmarks distributed_quality -- --rows 1000000 --customers 500000 --seeds 6

`--seeds N` repeats the starts (and the single-machine engine) with random states 0..N-1.

The JSON lands in `var/bench/distributed_quality.json`.
"""

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tests.benchmarks.bench_distributed import (
    N_CATEGORICAL,
    N_NUMERIC,
    PART_ROWS,
    assigned_labels,
    chunked,
    generate,
)

BASE_DIR = Path(__file__).resolve().parents[2]
SCHEDULER_PORT = int(os.environ.get("BENCH_DASK_SCHEDULER_PORT", "8195"))
SEED = 0
SILHOUETTE_ROWS = 10_000
ENCODE_CHUNK_ROWS = 200_000


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=200_000, help="rows of the generated table")
    p.add_argument("--customers", type=int, default=200_000, help="customers of the purchase log")
    p.add_argument("--memory-limit", default="1GiB", help="memory limit of each Dask worker")
    p.add_argument("--seeds", type=int, default=1, help="random states of the K-Means starts")
    p.add_argument("--tables", default="generated,purchases", help="which tables to measure")
    return p


def generated_table(folder: Path, rows: int) -> tuple[list[str], np.ndarray, int]:
    """`bench_distributed`'s table, and its planted segments (the same random draws again)."""
    columns = generate(folder, rows)
    rng = np.random.default_rng(SEED)
    rng.normal(0, 2.0, (6, N_NUMERIC))
    truth = []
    for start in range(0, rows, PART_ROWS):
        size = min(PART_ROWS, rows - start)
        truth.append(rng.integers(0, 6, size))
        rng.normal(0, 1.0, (size, N_NUMERIC))
    assert len(columns) == N_NUMERIC + N_CATEGORICAL
    return columns, np.concatenate(truth), 6


def purchase_table(folder: Path, customers: int) -> tuple[list[str], np.ndarray, int]:
    from datasets.ingest.transactions import TransactionColumns, customer_table
    from tests.purchase_logs import planted_purchase_log

    planted = planted_purchase_log(customers, seed=SEED)
    columns = TransactionColumns("customer_id", "order_date", "amount", "quantity")
    table = customer_table(planted.frame, columns=columns).frame
    truth = planted.group.loc[table["customer_id"]].to_numpy()
    features = [c for c in table.columns if c != "customer_id"]
    for index, start in enumerate(range(0, len(table), PART_ROWS)):
        part = table.iloc[start : start + PART_ROWS][features].reset_index(drop=True)
        part.to_parquet(folder / f"part-{index:05d}.parquet", index=False)
    return features, truth, 4


def encode(frame: pd.DataFrame, transform: dict) -> np.ndarray:
    from clustering.engine.distributed import _encoded

    return np.concatenate(
        [
            _encoded(frame.iloc[start : start + ENCODE_CHUNK_ROWS], transform)
            for start in range(0, len(frame), ENCODE_CHUNK_ROWS)
        ]
    )


def within_per_row(matrix: np.ndarray, labels: np.ndarray) -> float:
    """Sum of squared distances of the rows to their own cluster's mean, per row."""
    total = 0.0
    for label in np.unique(labels):
        members = matrix[labels == label].astype(np.float64)
        total += float(((members - members.mean(axis=0)) ** 2).sum())
    return total / len(matrix)


def nearest(matrix: np.ndarray, centres: np.ndarray) -> np.ndarray:
    from clustering.engine.algorithms import nearest_centroids

    labels, _ = nearest_centroids(matrix, centres.astype(matrix.dtype))
    return labels


def measure_table(name, folder, columns, truth, k, client, rows, seeds) -> dict:
    import dask.dataframe as dd
    from dask_ml.cluster import KMeans as DaskKMeans
    from sklearn.metrics import adjusted_rand_score

    from clustering.engine import fit
    from clustering.engine.algorithms import fit_kmeans
    from clustering.engine.distributed import SAMPLE_ROWS, _encode_partition, fit_distributed
    from clustering.engine.fitting import DEFAULTS, prepare_with
    from clustering.engine.interpret import silhouette

    params = {"n_clusters": k, "random_state": SEED}
    frame = pd.read_parquet(folder, columns=columns)
    print(f"--- {name}: {len(frame):,} rows, k={k}", flush=True)
    solutions: dict[str, dict] = {}

    started = time.perf_counter()
    result = fit_distributed(
        chunked(folder, columns),
        n_rows=rows,
        client=client,
        params=params,
        assignments_url=f"file://{folder}-assignments",  # beside the table, not inside it
    )
    solutions["fit_distributed"] = {
        "labels": assigned_labels(result),
        "seconds": time.perf_counter() - started,
        "fit_seconds": result.timings.get("fitting"),
        "reported_silhouette": result.metrics.get("silhouette"),
        "notes": [n for n in result.notes if "start" in n or "Lloyd" in n],
    }
    started = time.perf_counter()
    single = fit(frame, params=params)
    solutions["single machine (fit)"] = {
        "labels": single.labels,
        "seconds": time.perf_counter() - started,
        "fit_seconds": single.timings.get("fitting"),
        "own_inertia_per_row": single.metrics["inertia"] / rows,
        "reported_silhouette": single.metrics.get("silhouette"),
        "algorithm": single.algorithm,
    }

    # The distributed path's own sample, preprocessing and encoded partitions.
    dask_frame = dd.read_parquet(str(folder), columns=columns)
    if dask_frame.npartitions < 4:
        dask_frame = dask_frame.repartition(npartitions=4)
    share = min(1.0, 1.2 * SAMPLE_ROWS / rows)
    sample = dask_frame.sample(frac=share, random_state=SEED).compute().reset_index(drop=True)
    if len(sample) > SAMPLE_ROWS:
        sample = sample.sample(SAMPLE_ROWS, random_state=SEED).sort_index().reset_index(drop=True)
    options = {**DEFAULTS, **params}
    prepared = prepare_with(sample, schema=None, features=None, options=options)
    transform, width = prepared.transform, prepared.matrix.shape[1]
    encoded = dask_frame[list(prepared.features)].map_partitions(
        _encode_partition,
        transform,
        meta=pd.DataFrame({j: pd.Series(dtype=np.float32) for j in range(width)}),
    )
    matrix = client.persist(encoded.to_dask_array(lengths=True))
    matrix.sum().compute()

    def lloyd(init, seed, **extra) -> tuple[np.ndarray, float, int]:
        model = DaskKMeans(n_clusters=k, init=init, random_state=seed, **extra)
        model.fit(matrix)
        return np.asarray(model.cluster_centers_, np.float64), float(model.inertia_), model.n_iter_

    for seed in range(seeds):
        tag = "" if seed == 0 else f" (seed {seed})"
        variants = [("kmeans||", {})]
        if seed == 0:
            variants.append(("kmeans|| x10", {"oversampling_factor": 10, "n_init": 10}))
        for method, extra in variants:
            started = time.perf_counter()
            centres, reported, n_iter = lloyd("k-means||", seed, **extra)
            solutions[method + tag] = {
                "centres": centres,
                "seconds": time.perf_counter() - started,
                "dask_ml_inertia": reported,
                "n_iter": n_iter,
            }
        started = time.perf_counter()
        on_sample = fit_kmeans(prepared.matrix, n_clusters=k, seed=seed, n_init=10)
        sample_seconds = time.perf_counter() - started
        solutions["sample best of 10" + tag] = {
            "centres": on_sample.centroids,
            "seconds": sample_seconds,
        }
        started = time.perf_counter()
        centres, reported, n_iter = lloyd(on_sample.centroids, seed)
        solutions["sample best of 10 + Lloyd" + tag] = {
            "centres": centres,
            "seconds": sample_seconds + time.perf_counter() - started,
            "dask_ml_inertia": reported,
            "n_iter": n_iter,
        }
        if seed:
            started = time.perf_counter()
            again = fit(frame, params={**params, "random_state": seed, "stability": False})
            solutions["single machine (fit)" + tag] = {
                "labels": again.labels,
                "seconds": time.perf_counter() - started,
                "algorithm": again.algorithm,
            }
    client.cancel([matrix])

    # One model space for all: the distributed path's.
    space = encode(frame, transform)
    for solution in solutions.values():
        if "labels" not in solution:
            solution["labels"] = nearest(space, solution.pop("centres"))
    rng = np.random.default_rng(SEED)
    common = np.sort(rng.choice(len(space), size=min(SILHOUETTE_ROWS, len(space)), replace=False))
    table = []
    reference = solutions["single machine (fit)"]["labels"]
    for method, solution in solutions.items():
        labels = solution.pop("labels")
        row = {
            "table": name,
            "rows": rows,
            "method": method,
            "inertia_per_row": round(within_per_row(space, labels), 4),
            "silhouette": round(silhouette(space[common], labels[common]), 4),
            "ari_planted": round(adjusted_rand_score(truth, labels), 4),
            "ari_single": round(adjusted_rand_score(reference, labels), 4),
            **{
                key: (round(value, 4) if isinstance(value, float) else value)
                for key, value in solution.items()
            },
        }
        if "dask_ml_inertia" in row:
            row["dask_ml_inertia_per_row"] = round(row.pop("dask_ml_inertia") / rows, 4)
        solution["labels"] = labels
        table.append(row)
        print(json.dumps(row), flush=True)
    pairs = {}
    names = [name for name in solutions if "(seed" not in name]
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            pairs[f"{first} / {second}"] = round(
                adjusted_rand_score(solutions[first]["labels"], solutions[second]["labels"]), 4
            )
    print(json.dumps(pairs, indent=1), flush=True)
    return {"rows": table, "ari_between": pairs}


def main(argv: list[str] | None = None) -> int:
    from distributed import Client

    from tests.dask_cluster import DaskCluster

    a, ignored = parser().parse_known_args(argv)
    if ignored:
        print(f"bench_distributed_quality ignores: {' '.join(ignored)}")
    work = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    cluster = DaskCluster(work / "logs", port=SCHEDULER_PORT, memory_limit=a.memory_limit)
    (work / "logs").mkdir()
    report = {}
    try:
        cluster.start()
        with Client(cluster.address) as client:
            for name in a.tables.split(","):
                folder = work / name
                folder.mkdir()
                if name == "generated":
                    columns, truth, k = generated_table(folder, a.rows)
                else:
                    columns, truth, k = purchase_table(folder, a.customers)
                report[name] = measure_table(
                    name, folder, columns, truth, k, client, len(truth), a.seeds
                )
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    out = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")) / "bench" / "distributed_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
