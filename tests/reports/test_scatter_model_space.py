"""The run page's PCA scatter places customers in the space the run clustered them in: with the
heavy-tailed columns of a purchase log log-scaled, a handful of whales no longer stretch the
picture so far that every segment collapses into one stripe."""

import numpy as np
import pytest

from datasets.demo import generate_purchase_log
from datasets.models import Dataset
from datasets.services import customer_table_create
from reports.selectors import chart_get
from tests.e2e.data import dataset_upload, succeeded_run

pytestmark = pytest.mark.django_db


def _stretch(figure: dict) -> float:
    """How far the furthest customer lies on PC1, in units of the typical (median) distance."""
    xs = np.abs(np.concatenate([np.asarray(trace["x"], dtype=float) for trace in figure["data"]]))
    return float(xs.max() / np.median(xs))


def test_scatter_of_a_log_scaled_run_is_not_stretched_by_its_whales(analyst):
    log = generate_purchase_log(1500, seed=2)
    source = dataset_upload(analyst, log.frame.to_csv(index=False).encode(), name="orders.csv")
    table = customer_table_create(user=analyst, dataset=source)
    assert isinstance(table, Dataset)
    run = succeeded_run(table, analyst, k=4, feature_transform="auto")
    assert any("log-scaled" in note for note in run.metrics["notes"])

    figure = chart_get(run=run, name="scatter")

    assert _stretch(figure) < 10, _stretch(figure)
