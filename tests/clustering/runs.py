"""Runs executed inline for the clustering tests."""

from clustering.models import ClusteringRun
from clustering.services import run_create, run_execute

from .conftest import dataset_make


def executed_run(owner, algorithm: str = "kmeans", **parameters) -> ClusteringRun:
    """A run on a fresh dataset of `owner`, executed in this process (3 clusters unless told)."""
    dataset = dataset_make(owner=owner)
    run = run_create(
        dataset=dataset,
        user=owner,
        algorithm=algorithm,
        parameters={"n_clusters": 3, **parameters},
        enqueue=False,
    )
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run
