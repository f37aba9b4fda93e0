"""`make run` on an empty database publishes a first segmentation of the demo dataset."""

import pytest
from django.core.management import call_command

from clustering.models import ClusteringRun
from clustering.selectors import published_run_get


@pytest.mark.django_db
def test_seed_demo_publishes_first_segmentation_of_demo_dataset():
    call_command("seed_demo")
    run = published_run_get()
    assert run is not None
    assert run.status == ClusteringRun.Status.SUCCEEDED
    assert run.dataset.name == "Demo customers"
    assert run.metrics["n_clusters"] == 5
    assert run.clusters.count() == 5
    assert run.assignments.count() == run.dataset.n_rows
    assert set(run.features) >= {"age", "annual_income", "spending_score"}

    call_command("seed_demo")  # a second time: nothing new
    assert ClusteringRun.objects.count() == 1
