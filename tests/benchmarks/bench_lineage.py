"""The lineage core (`clustering.engine.lineage.compare_assignments`) against a bare pandas merge
+ crosstab of the same two assignment tables, in the same process.

Two runs of 1,000,000 customers each (string external ids, 6 and 7 segments): the new run keeps
98% of the customers (2% left, as many entered) and moves 5% of them to another segment. The
core also matches segments, counts entered and left customers and lists the movers.

Goal (issue 17, lineage between two runs), on 1,000,000 customers: core <= 3x merge + crosstab.
The JSON lands in `var/bench/lineage.json`.

    python -m tests.benchmarks.bench_lineage --rows 100000,1000000
"""

import argparse
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from tests.benchmarks.bench_engine import best_of

BASE_DIR = Path(__file__).resolve().parents[2]
GOAL_RATIO = 3.0
GOAL_ROWS = 1_000_000
SEED = 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", default="1000000", help="comma-separated customers per run")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per side (best is kept)")
    return p


def assignment_tables(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(old, new) assignment tables: external_id (str) and cluster_label."""
    rng = np.random.default_rng(SEED)
    ids = np.array([f"CUST-{i:08d}" for i in range(rows + rows // 50)], dtype=object)
    old_labels = rng.integers(0, 6, rows)
    old = pd.DataFrame({"external_id": ids[:rows], "cluster_label": old_labels})
    new_ids = ids[rows // 50 :]
    new_labels = np.empty(len(new_ids), dtype=np.int64)
    kept = rows - rows // 50
    new_labels[:kept] = (old_labels[rows // 50 :] + 1) % 6  # relabelled
    moving = rng.random(kept) < 0.05
    new_labels[:kept][moving] = rng.integers(0, 7, int(moving.sum()))
    new_labels[kept:] = rng.integers(0, 7, len(new_ids) - kept)
    new = pd.DataFrame({"external_id": new_ids, "cluster_label": new_labels})
    return old, new


def core(old: pd.DataFrame, new: pd.DataFrame):
    from clustering.engine.lineage import compare_assignments

    return compare_assignments(
        old["external_id"].to_numpy(),
        old["cluster_label"].to_numpy(),
        new["external_id"].to_numpy(),
        new["cluster_label"].to_numpy(),
    )


def bare(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    merged = old.merge(new, on="external_id", suffixes=("_old", "_new"))
    return pd.crosstab(merged["cluster_label_old"], merged["cluster_label_new"])


def main(argv: list[str] | None = None) -> int:
    a, ignored = parser().parse_known_args(argv)
    if ignored:
        print(f"bench_lineage ignores: {' '.join(ignored)}")
    report: dict = {"cpu_count": os.cpu_count(), "sizes": {}}
    failures = []
    for rows in [int(r) for r in a.rows.split(",") if r]:
        old, new = assignment_tables(rows)
        print(f"\n== two runs of {rows:,} customers ==")
        bare_s, table = best_of(a.repeat, lambda o=old, n=new: bare(o, n))
        core_s, lineage = best_of(a.repeat, lambda o=old, n=new: core(o, n))
        assert int(table.to_numpy().sum()) == lineage.n_shared  # the same customers counted
        ratio = core_s / bare_s
        print(f"merge + crosstab {bare_s:7.3f} s")
        print(f"lineage core     {core_s:7.3f} s   ({lineage.n_moved:,} movers)")
        print(f"core / bare {ratio:.2f}x (goal <= {GOAL_RATIO}x)")
        if rows >= GOAL_ROWS and ratio > GOAL_RATIO:
            failures.append(f"core {ratio:.2f}x bare > {GOAL_RATIO}x")
        report["sizes"][str(rows)] = {
            "bare_s": round(bare_s, 3),
            "core_s": round(core_s, 3),
            "ratio": round(ratio, 2),
            "movers": lineage.n_moved,
        }
    out = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")) / "bench" / "lineage.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nlineage goals: {'met' if not failures else 'MISSED: ' + '; '.join(failures)}")
    print(f"written to {out}")
    return 1 if failures else 0
