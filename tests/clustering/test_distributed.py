"""Distributed runs on a real Dask cluster (a scheduler and two memory-limited workers on
127.0.0.1) executed by a real Celery worker: planted segments are found by both engines, the run
is published and predicts through the API, on heavy-tailed tables the cluster's K-Means is as
tight as the single-machine engine's on the same rows, algorithms without a distributed form are
refused above the single-machine limit, and a Dask worker killed mid-run never leaves the run
stuck."""

import io
import time
import uuid

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import Client
from django.test import Client as BrowserClient
from django.urls import reverse
from sklearn.metrics import adjusted_rand_score

from clustering import engine
from clustering.engine.distributed import fit_distributed
from clustering.engine.preprocess import prepare
from clustering.engine.ranges import TrainingRanges, typical_confidence_of
from clustering.models import Assignment, Cluster, ClusteringRun
from clustering.selectors import run_labels_dask_frame
from config.storage import data_storage
from datasets.demo import generate_customers
from tests.benchmarks.bench_distributed import assigned_labels, chunked
from tests.benchmarks.bench_distributed_quality import generated_table, purchase_table
from tests.celery_worker import WorkerProcess
from tests.dask_cluster import wait_until

from .conftest import dataset_make

Status = ClusteringRun.Status
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
DISTRIBUTED_MIN_ROWS = 1_000  # every dataset here above it runs on the cluster
RUN_DEADLINE_S = 240  # bounded: a stuck run fails the test instead of hanging it
PLANTED_ROWS = 6_000
KILL_ROWS = 20_000
CENTRES = np.array([[0.0, 0.0, 0.0], [3.0, 3.0, 0.0], [0.0, 3.0, 3.0], [3.0, 0.0, 3.0]])
FEATURES = ["monetary", "frequency", "tenure"]
TAIL = 2.0  # log-normal spread of spend and purchase counts: skewness about 2.5
QUALITY_ROWS = 20_000


def planted_customers(rows: int, *, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Four planted segments; spend and purchase counts are heavy-tailed (log-normal), so the
    skew-aware transforms are fitted on the cluster's sample and applied per partition."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(CENTRES), rows)
    points = CENTRES[truth] + rng.normal(0, 0.35, (rows, CENTRES.shape[1]))
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(rows)],
            "monetary": np.round(np.exp(TAIL * points[:, 0] + 3.0), 2),
            "frequency": np.round(np.exp(TAIL * points[:, 1] + 1.0), 3),
            "tenure": np.round(points[:, 2] * 12 + 40, 2),
        }
    )
    return frame, truth


@pytest.fixture(scope="module")
def cluster_worker(celery_worker_process, dask_cluster, tmp_path_factory):
    """A Celery worker told where the Dask cluster is; the session's plain worker is stopped
    meanwhile so no run reaches a worker without the cluster (it restarts on next use)."""
    celery_worker_process.stop()
    worker = WorkerProcess(
        env={
            **celery_worker_process.env,
            "DASK_SCHEDULER_ADDRESS": dask_cluster.address,
            "DISTRIBUTED_MIN_ROWS": str(DISTRIBUTED_MIN_ROWS),
        },
        log_path=tmp_path_factory.mktemp("dask-worker") / "worker.log",
    )
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def on_cluster(cluster_worker, dask_cluster, settings):
    settings.MEDIA_ROOT = settings.VAR_DIR / "test_media"
    settings.DASK_SCHEDULER_ADDRESS = dask_cluster.address
    settings.DISTRIBUTED_MIN_ROWS = DISTRIBUTED_MIN_ROWS
    cluster_worker.ensure_running()
    dask_cluster.restart_dead_workers()
    return cluster_worker


def _start(client, dataset, **body):
    response = client.post(
        reverse("clustering-api:run-list"), {"dataset": dataset.pk, **body}, format="json"
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def _finished(run_id: int, worker) -> ClusteringRun:
    ended = {Status.SUCCEEDED, Status.FAILED, Status.CANCELLED}
    if not wait_until(
        lambda: ClusteringRun.objects.get(pk=run_id).status in ended, timeout_s=RUN_DEADLINE_S
    ):
        run = ClusteringRun.objects.get(pk=run_id)
        pytest.fail(f"Run {run_id} stayed {run.status} ({run.stage}); log:\n{worker.log()}")
    return ClusteringRun.objects.get(pk=run_id)


def _labels(run: ClusteringRun) -> np.ndarray:
    rows = Assignment.objects.filter(run=run).values_list("customer__row_number", "cluster_label")
    ordered = sorted(rows)
    assert [row for row, _ in ordered] == list(range(run.dataset.n_rows))
    return np.array([label for _, label in ordered])


def test_planted_segments_on_the_cluster_match_the_single_machine_engine(
    on_cluster, analyst_client, analyst
):
    frame, truth = planted_customers(PLANTED_ROWS)
    dataset = dataset_make(owner=analyst, frame=frame, current=True)
    run_id = _start(analyst_client, dataset, n_clusters=4, features=FEATURES, publish=True)

    run = _finished(run_id, on_cluster)
    assert run.status == Status.SUCCEEDED, (run.error, on_cluster.log())
    assert run.metrics["engine"] == "dask"
    assert run.metrics["metrics_sample_size"] == PLANTED_ROWS
    notes = " ".join(run.metrics["notes"])
    assert f"sample of {PLANTED_ROWS:,} of the {PLANTED_ROWS:,} rows" in notes
    assert "monetary: log-scaled" in notes  # the skew-aware transform, applied per partition
    distributed_ari = adjusted_rand_score(truth, _labels(run))
    single = engine.fit(frame[FEATURES], params={"n_clusters": 4})
    assert distributed_ari >= 0.95
    assert adjusted_rand_score(truth, single.labels) >= 0.95
    sizes = sorted(Cluster.objects.filter(run=run).values_list("size", flat=True))
    assert sizes == sorted(np.bincount(_labels(run)).tolist())  # exact group-by sizes
    # The workers wrote the assignments as Parquet parts, one a partition, the same as the rows.
    assert len(data_storage().parquet_parts(run.assignments_key)) >= 4
    parts = run_labels_dask_frame(run=run).compute(scheduler="sync")
    assert parts.index.tolist() == list(range(PLANTED_ROWS))
    assert parts["cluster_label"].tolist() == _labels(run).tolist()

    # The same artifact as a single-machine run: exact training ranges, typical confidences.
    ranges = TrainingRanges.of(run.model_artifact)
    assert ranges is not None
    for name in FEATURES:
        assert ranges.bounds(name) == pytest.approx((frame[name].min(), frame[name].max()))
    assert len(typical_confidence_of(run.model_artifact)) == 4

    body = analyst_client.get(reverse("clustering-api:run-detail", args=[run_id])).json()
    assert body["status"] == "succeeded"
    assert body["is_published"] is True
    assert body["progress"] == 100

    # The published model predicts a customer at a planted centre into that centre's segment.
    centre = 1
    record = {
        "monetary": float(np.exp(TAIL * CENTRES[centre, 0] + 3.0)),
        "frequency": float(np.exp(TAIL * CENTRES[centre, 1] + 1.0)),
        "tenure": float(CENTRES[centre, 2] * 12 + 40),
    }
    response = analyst_client.post("/api/v1/predictions/", record, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["run"] == run_id
    predicted = response.json()["cluster"]
    labels = _labels(run)
    planted_label = np.bincount(labels[truth == centre]).argmax()
    assert predicted == planted_label


def _within_sum_of_squares(matrix: np.ndarray, labels: np.ndarray) -> float:
    return sum(
        float(((matrix[labels == c] - matrix[labels == c].mean(axis=0)) ** 2).sum())
        for c in np.unique(labels)
    )


@pytest.mark.parametrize("table", ["generated", "purchases"])
@pytest.mark.parametrize("seed", [0, 3, 5])
def test_the_cluster_finds_as_good_a_solution_as_the_single_machine_engine(
    dask_cluster, tmp_path, table, seed
):
    """Heavy-tailed tables with near-equal K-Means optima (the benchmark's generated customers,
    customers derived from a purchase log): on the same rows the cluster's partition is as tight
    as the single-machine engine's several starts, and its reported inertia is the true one."""
    make = generated_table if table == "generated" else purchase_table
    columns, truth, k = make(tmp_path, QUALITY_ROWS)
    frame = pd.read_parquet(tmp_path, columns=columns)
    params = {"n_clusters": k, "random_state": seed, "stability": False}
    dask_cluster.restart_dead_workers()  # one cluster a session: a test may have killed one
    with Client(dask_cluster.address) as client:
        result = fit_distributed(
            chunked(tmp_path, columns),
            n_rows=len(frame),
            client=client,
            params=params,
            assignments_url=f"file://{tmp_path}-assignments",  # beside the table
        )
    single = engine.fit(frame, params=params)
    labels = assigned_labels(result)

    # Both fitted their preprocessing on all the rows (fewer than the cluster's sample): one space.
    matrix = prepare(frame, schema=None, features=None).matrix
    on_cluster = _within_sum_of_squares(matrix, labels)
    assert on_cluster <= 1.02 * _within_sum_of_squares(matrix, single.labels)
    assert result.metrics["inertia"] == pytest.approx(on_cluster, rel=0.01)
    assert adjusted_rand_score(truth, labels) >= 0.98 * adjusted_rand_score(truth, single.labels)
    assert any("best of 10 k-means++ starts" in note for note in result.notes)


def test_algorithms_without_a_distributed_form_are_refused_above_the_single_machine_limit(
    on_cluster, analyst_client, analyst, settings
):
    frame, _ = planted_customers(2_000, seed=1)
    dataset = dataset_make(owner=analyst, frame=frame)
    settings.MAX_DATASET_ROWS = 1_500
    for algorithm in ("hierarchical", "dbscan", "gmm"):
        response = analyst_client.post(
            reverse("clustering-api:run-list"),
            {"dataset": dataset.pk, "algorithm": algorithm, "n_clusters": 3},
            format="json",
        )
        assert response.status_code == 400, response.content
        assert "kmeans" in str(response.json())
        assert algorithm in str(response.json())
    assert not ClusteringRun.objects.filter(dataset=dataset).exists()

    run = _finished(_start(analyst_client, dataset, algorithm="kmeans", n_clusters=4), on_cluster)
    assert run.status == Status.SUCCEEDED, run.error
    assert run.metrics["engine"] == "dask"


def test_a_dataset_above_the_single_machine_limit_without_a_cluster_is_refused(
    analyst_client, analyst, settings
):
    frame, _ = planted_customers(2_000, seed=4)
    dataset = dataset_make(owner=analyst, frame=frame)
    settings.MAX_DATASET_ROWS = 1_500
    settings.DASK_SCHEDULER_ADDRESS = ""
    response = analyst_client.post(
        reverse("clustering-api:run-list"),
        {"dataset": dataset.pk, "algorithm": "kmeans", "n_clusters": 3},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "DASK_SCHEDULER_ADDRESS" in str(response.json())
    assert not ClusteringRun.objects.filter(dataset=dataset).exists()


def test_a_dask_worker_killed_mid_run_ends_in_success_or_a_clear_failure(
    on_cluster, dask_cluster, analyst_client, analyst
):
    frame, truth = planted_customers(KILL_ROWS, seed=2)
    dataset = dataset_make(owner=analyst, frame=frame)
    run_id = _start(analyst_client, dataset, n_clusters=4, features=FEATURES)
    assert wait_until(
        lambda: ClusteringRun.objects.get(pk=run_id).stage in ("fitting", "assigning"),
        timeout_s=RUN_DEADLINE_S,
        step_s=0.05,
    ), (ClusteringRun.objects.get(pk=run_id).status, on_cluster.log())
    dask_cluster.workers[0].kill()
    started = time.monotonic()

    run = _finished(run_id, on_cluster)
    assert time.monotonic() - started < RUN_DEADLINE_S
    assert run.status in (Status.SUCCEEDED, Status.FAILED), run.status
    if run.status == Status.FAILED:
        assert run.error.strip(), "a failed run says why"
        assert not Assignment.objects.filter(run=run).exists()
        assert not data_storage().parquet_parts(run.assignments_key)
    else:
        assert adjusted_rand_score(truth, _labels(run)) >= 0.95


def test_a_run_on_the_cluster_cancelled_while_fitting_ends_cancelled_with_nothing_saved(
    on_cluster, analyst_client, analyst
):
    frame, _ = planted_customers(KILL_ROWS, seed=3)
    dataset = dataset_make(owner=analyst, frame=frame)
    run_id = _start(analyst_client, dataset, n_clusters=4, features=FEATURES)
    assert wait_until(
        lambda: ClusteringRun.objects.get(pk=run_id).stage == "fitting",
        timeout_s=RUN_DEADLINE_S,
        step_s=0.05,
    ), (ClusteringRun.objects.get(pk=run_id).status, on_cluster.log())
    cancel = analyst_client.post(reverse("clustering-api:run-cancel", args=[run_id]))
    assert cancel.status_code == 202

    run = _finished(run_id, on_cluster)
    assert run.status == Status.CANCELLED, (run.status, run.error)
    assert not Cluster.objects.filter(run=run).exists()
    assert not Assignment.objects.filter(run=run).exists()
    assert not data_storage().parquet_parts(run.assignments_key)


# --- A dataset larger than one process, end to end ----------------------------------------------

SERVED_ROWS = 4_000
SINGLE_MACHINE_LIMIT = 3_000  # the registered dataset is above it: nothing reads it whole
SERVED_FEATURES = ["age", "annual_income", "spending_score", "purchase_frequency"]


@pytest.fixture
def registered_parts(on_cluster, settings):
    """Four Parquet parts of demo customers under the data root, never uploaded through HTTP."""
    settings.MAX_DATASET_ROWS = SINGLE_MACHINE_LIMIT
    folder = f"incoming/{uuid.uuid4().hex}"
    frame = generate_customers(SERVED_ROWS, seed=21)
    frame["gender"] = frame["gender"].astype(str)
    frame["region"] = frame["region"].astype(str)
    bounds = np.linspace(0, SERVED_ROWS, 5).astype(int)
    for number in range(4):
        piece = frame.iloc[bounds[number] : bounds[number + 1]]
        with data_storage().open(f"{folder}/part.{number}.parquet", "wb") as handle:
            pq.write_table(pa.Table.from_pandas(piece, preserve_index=False), handle)
    yield folder, frame
    data_storage().delete(folder)


def test_a_registered_dataset_above_one_process_is_run_published_and_served(
    registered_parts, on_cluster, analyst_client, analyst
):
    folder, frame = registered_parts
    registered = analyst_client.post(
        "/api/v1/datasets/register/", {"url": data_storage().url(folder)}, format="json"
    )
    assert registered.status_code == 201, registered.content
    dataset_id = registered.json()["id"]
    run_id = analyst_client.post(
        reverse("clustering-api:run-list"),
        {"dataset": dataset_id, "n_clusters": 4, "features": SERVED_FEATURES, "publish": True},
        format="json",
    ).json()["id"]
    run = _finished(run_id, on_cluster)
    assert run.status == Status.SUCCEEDED, (run.error, on_cluster.log())
    assert run.metrics["engine"] == "dask"
    assert run.is_published
    labels = _labels(run)

    predicted = analyst_client.post(
        "/api/v1/predictions/",
        {"age": 35, "annual_income": 65.0, "spending_score": 75, "purchase_frequency": 12},
        format="json",
    )
    assert predicted.status_code == 201, predicted.content
    assert predicted.json()["run"] == run_id

    # A customer look-up reads one row; its dataset-wide figures come from an even sample.
    customer = frame.loc[3_210, "customer_id"]
    looked_up = analyst_client.get(f"/api/customers/{customer}/segment")
    assert looked_up.status_code == 200, looked_up.content
    assert looked_up.json()["data"]["segments"]["cluster_id"] == labels[3_210]

    # Segment views and insights: group-bys over the chunks, on the cluster.
    segments = analyst_client.get("/api/segments/cluster")
    assert segments.status_code == 200, segments.content
    records = segments.json()["data"]["segments"]
    sizes = np.bincount(labels)
    assert {r["cluster_id"]: r["customer_count"] for r in records} == {
        label: int(size) for label, size in enumerate(sizes) if size
    }
    by_gender = analyst_client.get("/api/segments/gender").json()["data"]["segments"]
    assert {r["gender"]: r["total_customers"] for r in by_gender} == (
        frame["gender"].value_counts().to_dict()
    )
    insights = analyst_client.get("/api/insights/clv")
    assert insights.status_code == 200, insights.content
    assert insights.json()["data"]["key_metrics"]["total_customers"] == SERVED_ROWS

    # The customers with their segments, exported as CSV partition by partition.
    export = analyst_client.post(
        "/api/v1/exports/", {"run": run_id, "format": "csv"}, format="json"
    )
    assert export.status_code == 202, export.content
    assert export.json()["status"] == "ready", export.json()
    download = analyst_client.get(export.json()["download_url"])
    back = pd.read_csv(io.BytesIO(b"".join(download.streaming_content)))
    assert list(back.columns) == [*frame.columns, "cluster", "cluster_name", "confidence"]
    assert back["customer_id"].tolist() == frame["customer_id"].tolist()
    assert back["cluster"].tolist() == labels.tolist()
    names = dict(Cluster.objects.filter(run=run).values_list("label", "name"))
    assert back["cluster_name"].tolist() == [names[label] for label in labels]
    refused = analyst_client.post(
        "/api/v1/exports/", {"run": run_id, "format": "json", "what": "assignments"}, format="json"
    )
    assert refused.status_code == 400
    assert "CSV only" in str(refused.json())

    # Charts draw an even sample of the rows, placed in their segments.
    scatter = analyst_client.get(f"/api/v1/runs/{run_id}/charts/scatter/")
    assert scatter.status_code == 200, scatter.content
    drawn = scatter.json()["data"]
    assert {trace["name"] for trace in drawn} <= set(names.values())
    assert sum(len(trace["x"]) for trace in drawn) >= 1_000
    assert f"of {SERVED_ROWS:,} customers" in str(scatter.json()["layout"]["title"])

    # What must read every row in one process says so instead of trying.
    drift = analyst_client.get(f"/api/v1/datasets/{dataset_id}/drift/")
    assert drift.status_code == 409, drift.content
    assert "MAX_DATASET_ROWS" in str(drift.json())
    page = BrowserClient()
    page.force_login(analyst)
    shown = page.get(reverse("pages:run-detail", args=[run_id]))
    assert shown.status_code == 200
    assert names[int(labels[0])] in shown.content.decode()

    # Deleting the dataset removes the run's assignment parts; the registered data stays.
    assert data_storage().parquet_parts(run.assignments_key)
    deleted = analyst_client.delete(f"/api/v1/datasets/{dataset_id}/")
    assert deleted.status_code == 204, deleted.content
    assert not data_storage().parquet_parts(run.assignments_key)
    assert len(data_storage().parquet_parts(folder)) == 4
