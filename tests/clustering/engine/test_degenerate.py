"""The engine's degenerate-data rules, without a database: each case raises DegenerateDataError
(an EngineInputError) with a sentence, for every algorithm, in `fit` and in `sweep_k`."""

import numpy as np
import pandas as pd
import pytest

from clustering.engine import DegenerateDataError, EngineInputError, fit, sweep_k
from clustering.engine.degenerate import check_clusters_filled, distinct_rows

ALGORITHMS_WITH_K = ["kmeans", "minibatch_kmeans", "hierarchical", "gmm"]


def _twins(n_rows: int = 20) -> pd.DataFrame:
    return pd.DataFrame({"a": [1.0, 2.0] * (n_rows // 2), "g": ["x", "y"] * (n_rows // 2)})


def _constant(n_rows: int = 20) -> pd.DataFrame:
    return pd.DataFrame({"a": [3.0] * n_rows, "g": ["x"] * n_rows})


@pytest.mark.parametrize("algorithm", ALGORITHMS_WITH_K)
def test_fit_refuses_fewer_distinct_rows_than_clusters(algorithm):
    with pytest.raises(DegenerateDataError, match=r"Only 2 customers differ.*at most 2 clusters"):
        fit(_twins(), algorithm=algorithm, params={"n_clusters": 3})


@pytest.mark.parametrize("algorithm", [*ALGORITHMS_WITH_K, "dbscan"])
@pytest.mark.parametrize("params", [{"n_clusters": 3}, {}])
def test_fit_refuses_constant_features(algorithm, params):
    if algorithm == "dbscan":
        params = {}
    with pytest.raises(DegenerateDataError, match=r"same values in the chosen features \(a, g\)"):
        fit(_constant(), algorithm=algorithm, params=params)


def test_fit_refuses_rows_alike_once_missing_values_are_imputed():
    frame = pd.DataFrame({"a": [1.0, np.nan] * 10})
    with pytest.raises(DegenerateDataError, match="same values"):
        fit(frame, params={"n_clusters": 2})


@pytest.mark.parametrize("params", [{"n_clusters": 3}, {}])
def test_fit_refuses_a_single_row_by_its_row_count(params):
    with pytest.raises(DegenerateDataError, match="at least 5 rows; this data has 1"):
        fit(pd.DataFrame({"a": [1.0], "b": [2.0]}), params=params)


@pytest.mark.parametrize("missing", [np.nan, None])
def test_fit_refuses_a_feature_with_no_value(missing):
    frame = _twins()
    frame["b"] = pd.Series([missing] * len(frame), dtype="float64" if missing is np.nan else None)
    with pytest.raises(DegenerateDataError, match="Column 'b' has no"):
        fit(frame, params={"n_clusters": 2})


def test_degenerate_error_is_an_engine_input_error():
    assert issubclass(DegenerateDataError, EngineInputError)


def test_fit_chooses_k_among_the_distinct_rows():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0] * 10, "b": [0.0, 5.0, 9.0] * 10})
    result = fit(frame, params={"stability": False})
    assert result.parameters["n_clusters"] <= 3
    assert any("only 3 customers differ" in note for note in result.notes)


def test_fit_with_as_many_clusters_as_distinct_rows_succeeds():
    result = fit(_twins(), params={"n_clusters": 2, "stability": False})
    assert sorted(np.unique(result.labels).tolist()) == [0, 1]


def test_sweep_lowers_k_max_to_the_distinct_rows():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0] * 10, "b": [0.0, 5.0, 9.0] * 10})
    result = sweep_k(frame, k_min=2, k_max=6)
    assert result.k_values == (2, 3)
    assert any("k_max lowered from 6 to 3" in note for note in result.notes)


def test_sweep_refuses_constant_features():
    with pytest.raises(DegenerateDataError, match="same values"):
        sweep_k(_constant(), k_min=2, k_max=4)


def test_distinct_rows_counts_exactly_up_to_the_limit():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(4, 3)).astype(np.float32)
    matrix = base[rng.integers(0, 4, size=1000)]
    assert distinct_rows(matrix, at_most=16) == 4
    assert distinct_rows(matrix, at_most=3) == 3
    assert distinct_rows(rng.normal(size=(50, 3)), at_most=16) == 16
    assert distinct_rows(np.zeros((10, 2)), at_most=16) == 1


def test_distinct_rows_is_exact_when_different_rows_share_a_key():
    weights = np.random.default_rng(0).uniform(0.5, 1.5, size=2)
    # (w1, 0) and (0, w0) weigh the same: one key, two different rows.
    matrix = np.array([[weights[1], 0.0], [0.0, weights[0]]] * 5)
    assert distinct_rows(matrix, at_most=16) == 2


def test_an_empty_cluster_after_a_fit_is_refused():
    with pytest.raises(DegenerateDataError, match="Only 2 of the 3 clusters"):
        check_clusters_filled(np.array([0, 0, 2, 2]), (0, 1, 2))
    check_clusters_filled(np.array([-1, 0, 1]), (0, 1))  # noise is not a cluster
