"""Drift of a large upload against bare NumPy histograms of the same columns, in one process.

A K-Means model (k=4) is fitted on 50,000 demo customers (age, gender, annual_income,
spending_score, purchase_frequency); the training data is 1,000,000 demo customers and the
upload another 1,000,000 (another seed). Two comparisons, each side's best of `--repeat` runs:

- warm (what an upload costs once the run's training bins are cached, as the service keeps
  them per run): `clustering.engine.drift.drift_report` on the upload with its predicted labels
  (`CompiledModel.predict_frame`), against `np.histogram` of each numeric column of the upload
  over the training deciles and `np.unique(..., return_counts=True)` of the categorical one;
- cold (the first upload against a run): the same plus the training bins
  (`drift.references_of`), against the same histograms of the training data and the upload.

Goal (issue 17): drift of 1,000,000 rows <= 2x the bare histograms, both comparisons. The JSON
lands in `var/bench/drift.json`.

    python -m tests.benchmarks drift -- --rows 1000000
"""

import argparse
import json
import os
from pathlib import Path

import numpy as np

from tests.benchmarks.bench_engine import best_of

BASE_DIR = Path(__file__).resolve().parents[2]
FEATURES = ["age", "gender", "annual_income", "spending_score", "purchase_frequency"]
FIT_ROWS = 50_000
GOAL_RATIO = 2.0
GOAL_ROWS = 1_000_000


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", default="1000000", help="comma-separated upload sizes")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per side (best is kept)")
    return p


def histograms(frame, *, edges: dict, categorical: list[str]) -> list:
    """Bare NumPy: one histogram per numeric column over the given edges, counts per category."""
    counts = [np.histogram(frame[name].to_numpy(np.float64), bins=edges[name]) for name in edges]
    counts += [np.unique(frame[name].to_numpy(), return_counts=True) for name in categorical]
    return counts


def cut_points(training, numeric: list[str]) -> dict:
    """Per numeric column, the training deciles with open ends (np.histogram's bin edges)."""
    from clustering.engine.drift import DECILES

    return {
        name: np.concatenate(
            [
                [-np.inf],
                np.unique(np.quantile(training[name].to_numpy(np.float64), DECILES)),
                [np.inf],
            ]
        )
        for name in numeric
    }


def measure(rows: int, repeat: int) -> dict:
    """Both comparisons on `rows` rows of training data and of upload."""
    from clustering.engine import drift, fit, load_model
    from datasets.demo import generate_customers

    training = generate_customers(rows, seed=0)
    upload = generate_customers(rows, seed=1)
    fitted = fit(
        training.iloc[:FIT_ROWS], features=FEATURES, params={"n_clusters": 4, "random_state": 0}
    )
    model = load_model(fitted.artifact)
    numeric = list(model.encoder.numeric_columns)
    categorical = list(model.encoder.categorical_columns)
    published = {c.label: (c.name, c.percentage) for c in fitted.clusters}
    edges = cut_points(training, numeric)
    references = drift.references_of(training, numeric=numeric, categorical=categorical)

    def ours_warm(refs=references):
        labels, _ = model.predict_frame(upload[numeric + categorical])
        return drift.drift_report(refs, upload, labels=labels, published=published)

    def ours_cold():
        return ours_warm(drift.references_of(training, numeric=numeric, categorical=categorical))

    def bare_warm():
        return histograms(upload, edges=edges, categorical=categorical)

    def bare_cold():
        cuts = cut_points(training, numeric)
        histograms(training, edges=cuts, categorical=categorical)
        return histograms(upload, edges=cuts, categorical=categorical)

    entry: dict = {}
    for name, ours, bare in (("warm", ours_warm, bare_warm), ("cold", ours_cold, bare_cold)):
        ours_s, result = best_of(repeat, ours)
        bare_s, _ = best_of(repeat, bare)
        entry[name] = {
            "drift_s": round(ours_s, 3),
            "numpy_histograms_s": round(bare_s, 3),
            "ratio": round(ours_s / bare_s, 2),
            "status": result.status,
        }
    return entry


def main(argv: list[str] | None = None) -> int:
    a, ignored = parser().parse_known_args(argv)  # `make bench -- ...` passes every module's args
    if ignored:
        print(f"bench_drift ignores: {' '.join(ignored)}")
    report: dict = {"cpu_count": os.cpu_count(), "sizes": {}}
    failures = []
    for rows in [int(r) for r in a.rows.split(",") if r]:
        print(f"\n== drift of {rows:,} rows ({', '.join(FEATURES)}; k=4) ==")
        entry = measure(rows, a.repeat)
        for name, figures in entry.items():
            print(
                f"{name}: drift {figures['drift_s']:6.2f} s   NumPy histograms "
                f"{figures['numpy_histograms_s']:6.2f} s   ratio {figures['ratio']:.2f}x "
                f"(goal <= {GOAL_RATIO}x)   status {figures['status']}"
            )
            if rows >= GOAL_ROWS and figures["ratio"] > GOAL_RATIO:
                failures.append(f"{name}: drift {figures['ratio']}x NumPy histograms")
        report["sizes"][str(rows)] = entry
    out = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")) / "bench" / "drift.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\ndrift goals: {'met' if not failures else 'MISSED: ' + '; '.join(failures)}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
