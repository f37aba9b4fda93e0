"""sweep_k(): quality per k, the optimal k by silhouette, the elbow, and its limits."""

import json

import pytest

from clustering.engine import EngineInputError, sweep_k
from tests.clustering.engine.conftest import CUSTOMER_SCHEMA, make_blobs


@pytest.mark.parametrize("centers", [3, 5])
def test_sweep_k_picks_the_true_k_on_blobs(centers):
    frame, _ = make_blobs(n_rows=500, centers=centers)
    result = sweep_k(frame)
    assert result.optimal_k == centers
    assert result.elbow_k == centers
    assert result.k_values == tuple(range(2, 11))
    assert len(result.inertias) == len(result.silhouettes) == 9
    assert len(result.davies_bouldin) == len(result.calinski_harabasz) == 9
    assert list(result.inertias) == sorted(result.inertias, reverse=True)
    best = result.k_values.index(centers)
    assert result.davies_bouldin[best] == min(result.davies_bouldin)
    assert result.silhouette_sample_size == 500
    assert result.algorithm == "kmeans"


def test_sweep_k_on_customers_uses_the_schema_and_finds_four_segments(customers):
    frame, _ = customers
    result = sweep_k(frame, schema=CUSTOMER_SCHEMA, k_min=2, k_max=8)
    assert result.optimal_k == 4
    assert result.k_values == tuple(range(2, 9))


def test_sweep_k_samples_the_silhouette_above_its_threshold():
    frame, _ = make_blobs(n_rows=12_000, centers=3, n_features=2)
    result = sweep_k(frame, k_min=2, k_max=4)
    assert result.silhouette_sample_size == 10_000
    assert result.n_samples == 12_000
    assert result.optimal_k == 3


def test_sweep_k_lowers_k_max_on_tiny_data():
    frame, _ = make_blobs(n_rows=6, centers=2)
    result = sweep_k(frame, k_max=10)
    assert result.k_values == (2, 3, 4, 5)
    assert "k_max lowered from 10 to 5" in result.notes[0]


def test_sweep_k_result_is_json_safe(blobs):
    frame, _ = blobs
    data = sweep_k(frame, k_max=5).to_dict()
    assert json.loads(json.dumps(data, allow_nan=False))["optimal_k"] == 4


@pytest.mark.parametrize(
    ("k_min", "k_max", "message"),
    [
        (1, 10, "Choose 2 <= k_min <= k_max <= 15; got k_min=1, k_max=10"),
        (2, 16, "Choose 2 <= k_min <= k_max <= 15; got k_min=2, k_max=16"),
        (6, 5, "got k_min=6, k_max=5"),
        (2.5, 5, "k_min must be a whole number"),
    ],
)
def test_sweep_k_rejects_a_bad_range(blobs, k_min, k_max, message):
    frame, _ = blobs
    with pytest.raises(EngineInputError, match=message):
        sweep_k(frame, k_min=k_min, k_max=k_max)


def test_sweep_k_rejects_k_min_not_below_the_row_count():
    frame, _ = make_blobs(n_rows=5, centers=2)
    with pytest.raises(EngineInputError, match=r"k_min \(5\) must be smaller"):
        sweep_k(frame, k_min=5, k_max=6)


def test_sweep_k_reports_progress_and_can_be_cancelled(blobs):
    frame, _ = blobs
    stages = []
    sweep_k(frame, k_max=4, progress=lambda percent, stage: stages.append(stage))
    assert stages == ["preprocessing", "k = 2", "k = 3", "k = 4", "done"]
    from clustering.engine import EngineCancelled

    with pytest.raises(EngineCancelled):
        sweep_k(frame, k_max=4, should_cancel=lambda: True)
