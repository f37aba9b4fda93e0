"""The clustering engine against bare scikit-learn, on generated customers, in the same process.

For each size (100,000 and 1,000,000 rows of `datasets.demo.generate_customers`, every column but
the id as features):
- engine: `clustering.engine.fit` with KMeans k=5 (preprocess, fit, metrics, interpretation,
  names, artifact) against bare scikit-learn: ColumnTransformer (median imputer + StandardScaler,
  OneHotEncoder) + KMeans(n_init=1) fit and predict;
- sweep: `clustering.engine.sweep_k` over k = 2..10 against one bare fit as above;
- memory: peak RSS of a fresh subprocess running each of the two, minus the RSS it had after its
  imports, over the DataFrame's own size (`memory_usage(deep=True)`).

Goals (issue 4), on 1,000,000 rows: engine <= 2x bare, sweep <= 10x one bare fit, engine peak
memory <= 4x the DataFrame. Printed as ratios; the JSON lands in `var/bench/engine.json`.

    python -m tests.benchmarks.bench_engine --rows 100000,1000000
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
N_CLUSTERS = 5
SEED = 0
GOAL_ENGINE_RATIO = 2.0
GOAL_SWEEP_RATIO = 10.0
GOAL_MEMORY_RATIO = 4.0
GOAL_ROWS = 1_000_000  # the goals are stated for this size; smaller sizes are printed for scale


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", default="100000,1000000", help="comma-separated table sizes")
    p.add_argument("--k-max", type=int, default=10, help="the sweep covers k = 2..k-max")
    p.add_argument("--repeat", type=int, default=1, help="timed runs per side (best is kept)")
    p.add_argument("--skip-sweep", action="store_true")
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--memory-child", default="", help=argparse.SUPPRESS)  # "engine:ROWS" etc.
    return p


def customers(rows: int):
    """The demo generator's table (five latent segments, nine columns)."""
    from datasets.demo import generate_customers

    return generate_customers(rows, seed=SEED)


def feature_kinds(frame) -> tuple[list[str], list[str]]:
    from clustering.engine import infer_schema

    schema = infer_schema(frame)
    numeric = [c["name"] for c in schema if c["kind"] == "numeric"]
    categorical = [c["name"] for c in schema if c["kind"] == "categorical"]
    return numeric, categorical


def bare_fit_predict(frame, *, numeric: list[str], categorical: list[str], k: int):
    """What a hand-written scikit-learn script does: the baseline."""
    from sklearn.cluster import KMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = ColumnTransformer(
        [
            (
                "num",
                Pipeline(
                    [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
                ),
                numeric,
            ),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ]
    )
    x = columns.fit_transform(frame)
    model = KMeans(n_clusters=k, n_init=1, random_state=SEED).fit(x)
    return model.predict(x)


def engine_fit(frame, *, features: list[str], k: int):
    from clustering import engine

    return engine.fit(
        frame,
        schema=engine.infer_schema(frame),
        features=features,
        algorithm="kmeans",
        params={"n_clusters": k, "random_state": SEED},
    )


def engine_sweep(frame, *, features: list[str], k_max: int):
    from clustering import engine

    return engine.sweep_k(
        frame, schema=engine.infer_schema(frame), features=features, k_max=k_max, random_state=SEED
    )


def best_of(repeat: int, work) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        value = work()
        best = min(best, time.perf_counter() - started)
    return best, value


def memory_child(spec: str) -> int:
    """Runs in a fresh interpreter: prints {"frame_bytes", "base_rss", "peak_rss"} as JSON."""
    side, rows = spec.split(":")
    import numpy  # noqa: F401 - imports count as the baseline, not as the run
    import pandas  # noqa: F401
    import sklearn.cluster  # noqa: F401

    import clustering.engine  # noqa: F401

    base = _rss_bytes()
    frame = customers(int(rows))
    numeric, categorical = feature_kinds(frame)
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    _release_free_memory()  # the generator's freed temporaries are neither the frame nor the run
    with_frame = _rss_bytes()
    _reset_peak()
    if side == "engine":
        engine_fit(frame, features=numeric + categorical, k=N_CLUSTERS)
    else:
        bare_fit_predict(frame, numeric=numeric, categorical=categorical, k=N_CLUSTERS)
    peak = _peak_rss_bytes()
    result = {
        "frame_bytes": frame_bytes,
        "base_rss": base,
        "frame_rss": with_frame,
        "peak_rss": peak,
    }
    print(json.dumps(result))
    return 0


def measure_memory(side: str, rows: int, *, module: str = "tests.benchmarks.bench_engine") -> dict:
    """Run `module --memory-child side:rows` in a fresh process (so its peak memory is its own)
    and read the JSON line it prints last."""
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    done = subprocess.run(
        [sys.executable, "-m", module, "--memory-child", f"{side}:{rows}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    a, ignored = parser().parse_known_args(argv)  # `make bench -- ...` passes every module's args
    if ignored:
        print(f"bench_engine ignores: {' '.join(ignored)}")
    if a.memory_child:
        return memory_child(a.memory_child)
    report: dict = {"cpu_count": os.cpu_count(), "sizes": {}}
    failures = []
    for rows in [int(r) for r in a.rows.split(",") if r]:
        frame = customers(rows)
        numeric, categorical = feature_kinds(frame)
        features = numeric + categorical
        frame_mb = frame.memory_usage(deep=True).sum() / 1e6
        print(f"\n== {rows:,} rows, {len(features)} features ({frame_mb:.0f} MB DataFrame) ==")

        bare_s, _ = best_of(
            a.repeat,
            lambda f=frame, n=numeric, c=categorical: bare_fit_predict(
                f, numeric=n, categorical=c, k=N_CLUSTERS
            ),
        )
        engine_s, result = best_of(
            a.repeat, lambda f=frame, fs=features: engine_fit(f, features=fs, k=N_CLUSTERS)
        )
        entry = {
            "bare_s": round(bare_s, 3),
            "engine_s": round(engine_s, 3),
            "engine_ratio": round(engine_s / bare_s, 2),
            "engine_algorithm": result.algorithm,
            "engine_stages_s": result.timings,
            "silhouette": result.metrics["silhouette"],
        }
        print(f"bare scikit-learn fit+predict     {bare_s:8.2f} s")
        print(
            f"engine fit (kmeans k={N_CLUSTERS})          {engine_s:8.2f} s   "
            f"ratio {entry['engine_ratio']:.2f}x (goal <= {GOAL_ENGINE_RATIO}x)"
        )
        print("  stages: " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))
        if not a.skip_sweep:
            sweep_s, sweep = best_of(
                1, lambda f=frame, fs=features: engine_sweep(f, features=fs, k_max=a.k_max)
            )
            entry.update(
                sweep_s=round(sweep_s, 3),
                sweep_ratio=round(sweep_s / bare_s, 2),
                sweep_optimal_k=sweep.optimal_k,
                sweep_elbow_k=sweep.elbow_k,
            )
            print(
                f"sweep k=2..{a.k_max}                     {sweep_s:8.2f} s   "
                f"ratio {entry['sweep_ratio']:.2f}x one bare fit (goal <= {GOAL_SWEEP_RATIO}x); "
                f"optimal k {sweep.optimal_k}, elbow {sweep.elbow_k}"
            )
        del frame, result
        if not a.skip_memory:
            for side in ("engine", "bare"):
                m = measure_memory(side, rows)
                total = m["peak_rss"] - m["base_rss"]  # the frame plus what the run adds
                added = m["peak_rss"] - m["frame_rss"]
                entry[f"{side}_memory"] = {
                    **m,
                    "ratio": round(total / m["frame_bytes"], 2),
                    "added_ratio": round(added / m["frame_bytes"], 2),
                }
                print(
                    f"peak memory {side:6s}  frame + run {total / 1e6:6.0f} MB = "
                    f"{total / m['frame_bytes']:.2f}x the DataFrame "
                    f"({m['frame_bytes'] / 1e6:.0f} MB); the run adds {added / 1e6:.0f} MB = "
                    f"{added / m['frame_bytes']:.2f}x"
                )
        if rows >= GOAL_ROWS:
            if entry["engine_ratio"] > GOAL_ENGINE_RATIO:
                failures.append(f"engine {entry['engine_ratio']}x > {GOAL_ENGINE_RATIO}x")
            if entry.get("sweep_ratio", 0) > GOAL_SWEEP_RATIO:
                failures.append(f"sweep {entry['sweep_ratio']}x > {GOAL_SWEEP_RATIO}x")
            memory_ratio = entry.get("engine_memory", {}).get("ratio", 0)
            if memory_ratio > GOAL_MEMORY_RATIO:
                failures.append(f"memory {memory_ratio}x > {GOAL_MEMORY_RATIO}x")
        report["sizes"][str(rows)] = entry
    out = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")) / "bench" / "engine.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nengine goals: {'met' if not failures else 'MISSED: ' + '; '.join(failures)}")
    print(f"written to {out}")
    return 0


def _release_free_memory() -> None:
    """Give freed heap and Arrow pool memory back to the OS, so RSS is what is really held."""
    import ctypes

    import pyarrow

    pyarrow.default_memory_pool().release_unused()
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def _reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets the process's peak RSS (VmHWM) to its current RSS."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


if __name__ == "__main__":
    sys.exit(main())
