"""Planted data for lineage tests: three far-apart groups of customers, and a perturbed copy in
which known customers moved from one group to another, some left and some entered; runs on
them executed in this process."""

import numpy as np
import pandas as pd

from clustering.models import ClusteringRun
from clustering.services import run_create, run_execute

from .conftest import dataset_make

CENTRES = {"low": (10.0, 10.0), "mid": (500.0, 20.0), "high": (20.0, 900.0)}
PER_GROUP = 80
MOVED = 15  # of "low", to "mid"
LEFT = 6  # of "high"
ENTERED = 4  # new, in "low"
# A mover whose id a spreadsheet would read as a formula: the CSV must keep it text.
FORMULA_ID = "=HYPERLINK(1)"


def _rows(group: str, ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    x, y = CENTRES[group]
    return pd.DataFrame(
        {
            "customer_id": ids,
            "spend": x + rng.normal(0, 3, len(ids)),
            "visits": y + rng.normal(0, 3, len(ids)),
        }
    )


def planted_pair(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(old table, new table, truth): truth names the moved, left and entered customer ids."""
    rng = np.random.default_rng(seed)
    ids = {g: [f"{g.upper()}-{i:03d}" for i in range(PER_GROUP)] for g in CENTRES}
    ids["low"][0] = FORMULA_ID
    old = pd.concat([_rows(g, ids[g], rng) for g in CENTRES], ignore_index=True)
    moved = ids["low"][:MOVED]
    left = ids["high"][-LEFT:]
    entered = [f"NEW-{i}" for i in range(ENTERED)]
    new = pd.concat(
        [
            _rows("low", ids["low"][MOVED:] + entered, rng),
            _rows("mid", ids["mid"] + moved, rng),
            _rows("high", ids["high"][:-LEFT], rng),
        ],
        ignore_index=True,
    )
    new = new.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # another row order
    return old, new, {"moved": moved, "left": left, "entered": entered}


def executed(owner, frame: pd.DataFrame, **parameters) -> ClusteringRun:
    """A succeeded K-Means run (k=3 on spend and visits) on a new dataset of `owner`."""
    dataset = dataset_make(owner=owner, frame=frame)
    run = run_create(
        dataset=dataset,
        user=owner,
        algorithm="kmeans",
        parameters={"n_clusters": 3, "random_state": 0, **parameters},
        features=["spend", "visits"],
        enqueue=False,
    )
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ClusteringRun.Status.SUCCEEDED, run.error
    return run


def label_of(run: ClusteringRun, external_id: str) -> int:
    return run.assignments.get(customer__external_id=external_id).cluster_label
