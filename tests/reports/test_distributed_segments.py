"""Segment views and insights of a dataset above the single-machine limit, computed on a real Dask
cluster (a scheduler and two memory-limited workers on 127.0.0.1, tests/dask_cluster.py) over the
dataset's row-numbered partitions: the API answers equal the one-frame answers the pure core
gives on the same rows, for every segment type (the cluster type from a run fitted on the
cluster, whose assignments the workers read back); with a sample smaller than the table only the
documented sample-based figures move; without a cluster such a dataset is refused."""

import numpy as np
import pandas as pd
import pytest

from clustering.models import ClusteringRun
from clustering.selectors import cluster_list
from clustering.services import run_create, run_execute, run_publish
from config.storage import data_storage
from datasets.models import CurrentDataset
from datasets.selectors import dataset_parts
from reports import segments
from reports.insights import insights_for
from reports.selectors import segment_rules
from reports.selectors.assignments import run_labels
from tests.factories import dataset_with_rows

from .frames import demo_schema, heavy_tailed_customers

pytestmark = pytest.mark.django_db
ROWS = 6_000
SINGLE_MACHINE_ROWS = 5_000  # MAX_DATASET_ROWS here: the dataset is above it
FEATURES = ["spending_score", "purchase_frequency", "tenure_months"]


@pytest.fixture
def big_run(dask_cluster, analyst, settings):
    """A published run fitted on the cluster (inline) on a dataset above the single-machine
    limit, with the cluster configured for the reports."""
    settings.DASK_SCHEDULER_ADDRESS = dask_cluster.address
    settings.DISTRIBUTED_MIN_ROWS = 1_000
    dask_cluster.restart_dead_workers()
    frame = heavy_tailed_customers(ROWS).drop(columns=["cluster_label"])
    dataset = dataset_with_rows(owner=analyst, frame=frame, schema=demo_schema(frame))
    run = run_create(
        dataset=dataset,
        user=analyst,
        parameters={"n_clusters": 4, "random_state": 0},
        features=FEATURES,
        enqueue=False,
    )
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ClusteringRun.Status.SUCCEEDED, run.error
    assert run.is_distributed
    run = run_publish(run=run, user=analyst)
    CurrentDataset.objects.update_or_create(user=analyst, defaults={"dataset": dataset})
    settings.MAX_DATASET_ROWS = SINGLE_MACHINE_ROWS
    return run


def _whole_table(dataset, columns):
    """Every row of the dataset in one frame, read here (the service refuses to: it is above
    the single-machine limit)."""
    storage = data_storage()
    frames = []
    for part in dataset_parts(dataset=dataset):
        with storage.open(part, "rb") as handle:
            frames.append(pd.read_parquet(handle, columns=columns))
    return pd.concat(frames, ignore_index=True)


def _one_frame(run, segment_type):
    """The one-frame table and derivation of the run's rows, by the pure core directly."""
    schema = run.dataset.schema
    columns = segments.columns_needed(segment_type=segment_type, schema=schema)
    frame = _whole_table(run.dataset, columns)
    if segment_type == "cluster":
        frame = frame.assign(cluster_label=run_labels(run=run, n_rows=len(frame)))
    derived = segments.derive_customers(
        frame, segment_type=segment_type, schema=schema, rules=segment_rules()
    )
    return segments.segment_table_from(derived), derived


def _expected_records(run, segment_type):
    table, derived = _one_frame(run, segment_type)
    if segment_type != "cluster":
        return segments.table_records(table, segment_type=segment_type)
    clusters = {c.label: {"name": c.name, "summary": c.summary} for c in cluster_list(run=run)}
    return segments.cluster_records(
        table, details=segments.cluster_details(derived), clusters=clusters
    )


def _without_metadata(records):
    return [{k: v for k, v in r.items() if k != "metadata"} for r in records]


def _segments(client, segment_type):
    response = client.get(f"/api/segments/{segment_type}", {"limit": 100})
    assert response.status_code == 200, response.json()
    return response.json()["data"]["segments"]


@pytest.mark.parametrize("segment_type", segments.SEGMENT_TYPES)
def test_segment_views_on_the_cluster_equal_the_one_frame_views(
    big_run, analyst_client, segment_type
):
    assert big_run.dataset.n_rows > SINGLE_MACHINE_ROWS
    answered = _segments(analyst_client, segment_type)
    expected = _expected_records(big_run, segment_type)
    assert _without_metadata(answered) == _without_metadata(expected)
    if segment_type == "cluster":  # every row assigned, read back from the workers' parts
        assert sum(s["customer_count"] for s in answered) == big_run.dataset.n_rows

    response = analyst_client.get(f"/api/insights/{segment_type}")
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    table, derived = _one_frame(big_run, segment_type)
    names = (
        {c.label: c.name for c in cluster_list(run=big_run)} if segment_type == "cluster" else None
    )
    report = insights_for(table, derived=derived, segment_names=names).as_dict()
    assert data["insights"] == report["insights"]
    assert data["key_metrics"] == report["key_metrics"]
    assert "gini_sample_size" not in data["key_metrics"]  # every row fits the sample


def test_a_sample_smaller_than_the_table_moves_only_the_sample_based_figures(
    big_run, analyst_client, monkeypatch
):
    monkeypatch.setattr("reports.selectors.segments_on_cluster.POPULATION_SAMPLE_ROWS", 2_000)
    # Rule-based brackets need no population figure but the income scale: exact.
    assert _segments(analyst_client, "region") == _expected_records(big_run, "region")
    assert _segments(analyst_client, "income_bracket") == _expected_records(
        big_run, "income_bracket"
    )
    # CLV tiers: thresholds from the sample, so tier sizes near the quantiles, every customer
    # counted once.
    answered = {s["clv_tier"]: s["total_customers"] for s in _segments(analyst_client, "clv")}
    expected = {s["clv_tier"]: s["total_customers"] for s in _expected_records(big_run, "clv")}
    assert list(answered) == list(expected)
    assert sum(answered.values()) == sum(expected.values())
    for tier, count in expected.items():
        assert answered[tier] == pytest.approx(count, rel=0.25)

    data = analyst_client.get("/api/insights/purchase_tier").json()["data"]
    table, derived = _one_frame(big_run, "purchase_tier")
    exact = insights_for(table, derived=derived).as_dict()["key_metrics"]
    sample_size = data["key_metrics"].pop("gini_sample_size")
    assert 1_500 <= sample_size <= 2_500  # about 2,000 of the 6,000 rows
    assert data["key_metrics"]["gini_coefficient"] == pytest.approx(
        exact.pop("gini_coefficient"), abs=0.05
    )
    data["key_metrics"].pop("gini_coefficient")
    data["key_metrics"].pop("revenue_concentration")
    exact.pop("revenue_concentration")
    assert data["key_metrics"] == exact  # totals and means stay exact
    gini = next(i for i in data["insights"] if i["rule"] == "gini")
    assert f"estimated from a sample of {sample_size:,}" in gini["description"]

    clusters = _segments(analyst_client, "cluster")
    exact_clusters = _expected_records(big_run, "cluster")
    for got, want in zip(clusters, exact_clusters, strict=True):
        got_money, want_money = got["financial_metrics"], want["financial_metrics"]
        assert got_money.pop("median_income") == pytest.approx(
            want_money.pop("median_income"), rel=0.2
        )
    assert _without_metadata(clusters) == _without_metadata(exact_clusters)


def test_a_dataset_above_the_limit_without_a_cluster_is_refused_naming_it(
    analyst, analyst_client, client, settings
):
    from tests.reports.conftest import published_run_make

    published_run_make(owner=analyst)
    settings.MAX_DATASET_ROWS = 100
    settings.DASK_SCHEDULER_ADDRESS = ""
    for path in ("/api/segments/gender", "/api/insights/clv"):
        response = analyst_client.get(path)
        assert response.status_code == 409, response.json()
        body = response.json()
        assert body["success"] is False
        assert "DASK_SCHEDULER_ADDRESS" in str(body)
        assert "more than one process reads at once (MAX_DATASET_ROWS, 100)" in str(body)
    client.force_login(analyst)
    page = client.get("/app/segments/", {"type": "gender"})
    assert page.status_code == 200
    assert "DASK_SCHEDULER_ADDRESS" in page.content.decode()


def test_the_one_frame_answer_is_unchanged_below_the_limit(analyst, analyst_client, settings):
    from tests.reports.conftest import published_run_make

    run = published_run_make(owner=analyst)
    settings.DASK_SCHEDULER_ADDRESS = ""  # no cluster needed
    assert run.dataset.n_rows <= settings.MAX_DATASET_ROWS
    answered = pd.DataFrame(_segments(analyst_client, "age_group"))
    expected = pd.DataFrame(_expected_records(run, "age_group"))
    pd.testing.assert_frame_equal(answered, expected, check_dtype=False)
    assert np.isclose(answered["customer_percentage"].sum(), 100, atol=0.5)
