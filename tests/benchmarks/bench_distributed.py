"""K-Means on a local Dask cluster against the single-machine engine.

Generates a Parquet table of customers (about 20 columns: an id, 15 numeric features with heavy
tails, 4 categorical ones) in parts of PART_ROWS rows, so the table is never whole in memory.
Then, in a child process, the single-machine engine (`clustering.engine.fit`) on the largest table
it is asked to hold (`--single-rows`, at most the table), reporting time and the child's peak
memory; and on a local cluster of two `dask worker` processes, each limited to
`--memory-limit`, the distributed engine (`clustering.engine.distributed.fit_distributed`) on
the whole table, reporting time and the peak memory of each worker (sampled every 0.5 s).

The default is small (200,000 rows); the full figure of the issue:

    python -m tests.benchmarks distributed -- --rows 20000000 --single-rows 2000000

The JSON lands in `var/bench/distributed.json`.

Measured on a busy 2-core host (other jobs running), k=6:
- 200,000 rows (19 MiB Parquet): single machine 3.6 s, peak 443 MiB; Dask 26 s, peaks 573 and
  578 MiB per worker (1 GiB each): the cluster's fixed costs dominate small tables.
- 10,000,000 rows (788 MiB Parquet, 1.2 GB encoded, more than either worker's 1 GiB): Dask
  437 s (fitting 355 s, the encoded rows spilled to the workers' disks; assigning 69 s), peaks
  956 and 943 MiB per worker; the single machine on 2,000,000 of those rows: 14.6 s, peak
  1,181 MiB. Silhouette (sample) 0.31 on the cluster against 0.45 on one machine: one k-means||
  start can settle in a poorer optimum on this table.
- 20,000,000 rows (1,576 MiB Parquet, the machine otherwise quiet but for a test suite): Dask
  583 s (fitting 517 s, assigning 59 s), peaks 970 and 977 MiB per worker (1 GiB each), silhouette
  (sample) 0.34; the single machine on 2,000,000 of those rows: 13.8 s, peak 1,302 MiB,
  silhouette 0.45. (Before labels were gathered partition by partition, this size ran a worker
  out of memory and the run ended failed with the reason, as it should.)
- 20,000,000 rows again, with K-Means started from the sample's best of 10 k-means++ starts
  (`algorithms.best_start`) and the assignments written per partition as 40 Parquet parts, the
  machine otherwise quiet: Dask 101 s (sampling 3.7 s, fitting 56.7 s, assigning 39.7 s), peaks
  825 and 861 MiB per worker (1 GiB each), silhouette (sample) 0.447; the single machine on
  2,000,000 of those rows: 6.2 s, peak 1,289 MiB, silhouette 0.448.
"""

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

BASE_DIR = Path(__file__).resolve().parents[2]
PART_ROWS = 500_000
N_NUMERIC, N_CATEGORICAL = 15, 4
N_CLUSTERS = 6
SEED = 0
SCHEDULER_PORT = int(os.environ.get("BENCH_DASK_SCHEDULER_PORT", "8195"))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=200_000, help="customers in the Parquet table")
    p.add_argument(
        "--single-rows", type=int, default=0, help="rows for the single-machine engine (0: all)"
    )
    p.add_argument("--memory-limit", default="1GiB", help="memory limit of each Dask worker")
    return p


def generate(folder: Path, rows: int) -> list[str]:
    """The table as Parquet parts; planted segments shift every numeric feature."""
    rng = np.random.default_rng(SEED)
    centres = rng.normal(0, 2.0, (N_CLUSTERS, N_NUMERIC))
    columns: list[str] = []
    for index, start in enumerate(range(0, rows, PART_ROWS)):
        size = min(PART_ROWS, rows - start)
        segment = rng.integers(0, N_CLUSTERS, size)
        values = centres[segment] + rng.normal(0, 1.0, (size, N_NUMERIC))
        part = {"customer_id": np.arange(start, start + size)}
        for j in range(N_NUMERIC):
            column = values[:, j]
            part[f"spend_{j}" if j % 3 == 0 else f"feature_{j}"] = (
                np.exp(column / 2).astype(np.float32) if j % 3 == 0 else column.astype(np.float32)
            )
        for j in range(N_CATEGORICAL):
            part[f"channel_{j}"] = pd.Categorical(
                np.array(["web", "store", "app", "phone"])[(segment + j) % 4]
            )
        frame = pd.DataFrame(part)
        frame.to_parquet(folder / f"part-{index:05d}.parquet", index=False)
        columns = [c for c in frame.columns if c != "customer_id"]
    return columns


def _single(folder: str, rows: int, columns: list[str], queue) -> None:
    import pyarrow.dataset as pads

    from clustering.engine import fit

    table = pads.dataset(folder, format="parquet").head(rows, columns=columns)
    frame = table.to_pandas()
    started = time.perf_counter()
    result = fit(frame, params={"n_clusters": N_CLUSTERS, "random_state": SEED})
    queue.put(
        {
            "seconds": round(time.perf_counter() - started, 2),
            "rows": len(frame),
            "silhouette": result.metrics.get("silhouette"),
        }
    )


def single_machine(folder: Path, rows: int, columns: list[str]) -> dict:
    """The single-machine engine in a child process: its time and peak resident memory."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_single, args=(str(folder), rows, columns, queue))
    child.start()
    outcome = queue.get()
    child.join()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {**outcome, "peak_memory_mib": round(peak_kib / 1024)}


def chunked(folder: Path, columns: list[str]):
    """The table as the service reads a dataset: row-numbered chunks of its Parquet parts."""
    from datasets.ingest.chunks import chunked_frame, plan_chunks
    from datasets.ingest.parquet import ParquetSource, parquet_layout

    paths = sorted(str(path) for path in folder.glob("part-*.parquet"))
    source = ParquetSource(
        parts=paths,
        urls=[f"file://{path}" for path in paths],
        open_part=lambda path: open(path, "rb"),  # noqa: SIM115 - the reader closes it
        storage_options={},
    )
    layout = parquet_layout(source)
    return chunked_frame(plan_chunks(layout, source.urls), layout=layout, columns=columns)


def assigned_labels(result) -> np.ndarray:
    """The labels a distributed fit wrote, in row order, read back from its Parquet parts."""
    import fsspec
    import pyarrow.parquet as pq

    pieces = []
    for url in result.assignment_parts:
        with fsspec.open(url, "rb") as handle:
            pieces.append(pq.read_table(handle, columns=["cluster_label"]).column(0).to_numpy())
    return np.concatenate(pieces)


def distributed(folder: Path, rows: int, columns: list[str], memory_limit: str) -> dict:
    from distributed import Client

    from clustering.engine.distributed import fit_distributed
    from tests.benchmarks._workers import WorkerMemory
    from tests.dask_cluster import DaskCluster

    logs = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    cluster = DaskCluster(logs, port=SCHEDULER_PORT, memory_limit=memory_limit)
    cluster.start()
    try:
        with (
            Client(cluster.address) as client,
            WorkerMemory(client) as memory,
            memory.during("fit"),
        ):
            started = time.perf_counter()
            result = fit_distributed(
                chunked(folder, columns),
                n_rows=rows,
                client=client,
                assignments_url=f"file://{folder}/assignments",
                params={"n_clusters": N_CLUSTERS, "random_state": SEED},
            )
            seconds = time.perf_counter() - started
    finally:
        cluster.stop()
    return {
        "seconds": round(seconds, 2),
        "rows": rows,
        "memory_limit_per_worker": memory_limit,
        "peak_memory_mib_per_worker": memory.of("fit"),
        "silhouette": result.metrics.get("silhouette"),
        "assignment_parts": len(result.assignment_parts),
        "timings": result.timings,
    }


def main(argv: list[str] | None = None) -> int:
    a, ignored = parser().parse_known_args(argv)
    if ignored:
        print(f"bench_distributed ignores: {' '.join(ignored)}")
    folder = Path(tempfile.mkdtemp(prefix="bench-customers-"))
    try:
        return _measure(folder, a)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # gigabytes of Parquet at the full size


def _measure(folder: Path, a: argparse.Namespace) -> int:
    started = time.perf_counter()
    columns = generate(folder, a.rows)
    size_mib = sum(path.stat().st_size for path in folder.glob("*.parquet")) / 2**20
    print(
        f"{a.rows:,} customers, {len(columns) + 1} columns, {size_mib:.0f} MiB of Parquet "
        f"({time.perf_counter() - started:.1f} s to generate)"
    )
    single_rows = min(a.rows, a.single_rows or a.rows)
    single = single_machine(folder, single_rows, columns)
    print(
        f"single machine: {single['rows']:,} rows in {single['seconds']} s, peak "
        f"{single['peak_memory_mib']} MiB"
    )
    cluster = distributed(folder, a.rows, columns, a.memory_limit)
    peaks = cluster["peak_memory_mib_per_worker"]
    print(
        f"dask, 2 workers of {a.memory_limit}: {cluster['rows']:,} rows in "
        f"{cluster['seconds']} s, peak per worker {peaks} MiB"
    )
    report = {
        "cpu_count": os.cpu_count(),
        "table_mib": round(size_mib),
        "single": single,
        "distributed": cluster,
    }
    out = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")) / "bench" / "distributed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
