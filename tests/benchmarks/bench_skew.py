"""Skew-aware preprocessing against `feature_transform: none`, in the same process.

For each size (1,000,000 rows of `datasets.demo.generate_rfm_customers` by default: heavy-tailed
recency, frequency, monetary, tenure), `clustering.engine.fit` with KMeans k=4 and
`feature_transform` `auto` (frequency and monetary log-scaled) and `none`. Also printed: the
smallest segment's share of each.

Goal (issue "Segments an analyst trusts"), on 1,000,000 rows: auto <= 1.2x none. The JSON lands
in `var/bench/skew.json`.

    python -m tests.benchmarks.bench_skew --rows 100000,1000000
"""

import argparse
import json
import os
from pathlib import Path

from tests.benchmarks.bench_engine import best_of

BASE_DIR = Path(__file__).resolve().parents[2]
N_CLUSTERS = 4
SEED = 0
GOAL_RATIO = 1.2
GOAL_ROWS = 1_000_000


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", default="1000000", help="comma-separated table sizes")
    p.add_argument("--repeat", type=int, default=2, help="timed runs per side (best is kept)")
    return p


def engine_fit(frame, *, feature_transform: str):
    from clustering.engine import fit

    params = {
        "n_clusters": N_CLUSTERS,
        "random_state": SEED,
        "feature_transform": feature_transform,
    }
    return fit(frame, params=params)


def main(argv: list[str] | None = None) -> int:
    a, ignored = parser().parse_known_args(argv)  # `make bench -- ...` passes every module's args
    if ignored:
        print(f"bench_skew ignores: {' '.join(ignored)}")
    from datasets.demo import generate_rfm_customers

    report: dict = {"cpu_count": os.cpu_count(), "sizes": {}}
    failures = []
    for rows in [int(r) for r in a.rows.split(",") if r]:
        frame = generate_rfm_customers(rows, seed=SEED)
        print(f"\n== {rows:,} rows of RFM customers ==")
        entry: dict = {}
        for choice in ("none", "auto"):
            seconds, result = best_of(
                a.repeat, lambda f=frame, c=choice: engine_fit(f, feature_transform=c)
            )
            entry[choice] = {
                "seconds": round(seconds, 3),
                "smallest_segment_share": result.metrics["smallest_segment_share"],
                "preprocessing_s": result.timings.get("preprocessing"),
            }
            print(
                f"feature_transform={choice:4s}  {seconds:7.2f} s   smallest segment "
                f"{result.metrics['smallest_segment_share']:.1f}% of the customers"
            )
        entry["ratio"] = round(entry["auto"]["seconds"] / entry["none"]["seconds"], 2)
        print(f"auto / none {entry['ratio']:.2f}x (goal <= {GOAL_RATIO}x)")
        if rows >= GOAL_ROWS and entry["ratio"] > GOAL_RATIO:
            failures.append(f"auto {entry['ratio']}x none > {GOAL_RATIO}x")
        report["sizes"][str(rows)] = entry
    out = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")) / "bench" / "skew.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nskew goals: {'met' if not failures else 'MISSED: ' + '; '.join(failures)}")
    print(f"written to {out}")
    return 0
