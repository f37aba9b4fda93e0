"""K-Means above MINIBATCH_ABOVE_ROWS rows starts from the best of several full K-Means starts on
a sample (``best_start``): on heavy-tailed customers derived from a purchase log one MiniBatch
start settled in a poorer optimum for most random states. Each run here must reach the best
solution that many starts find, and the planted customer types."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from clustering.engine import fit
from clustering.engine.algorithms import MINIBATCH_ABOVE_ROWS
from clustering.engine.preprocess import prepare
from datasets.ingest.transactions import TransactionColumns, customer_table
from tests.purchase_logs import planted_purchase_log

COLUMNS = TransactionColumns("customer_id", "order_date", "amount", "quantity")
CUSTOMERS = 130_000
K = 4


@pytest.fixture(scope="module")
def customers():
    planted = planted_purchase_log(CUSTOMERS, seed=0)
    table = customer_table(planted.frame, columns=COLUMNS).frame
    truth = planted.group.loc[table["customer_id"]].to_numpy()
    return table, truth


@pytest.fixture(scope="module")
def space(customers):
    """The engine's model space, and the within-cluster sum of squares of the best of 10 full
    K-Means starts on every row in it."""
    table, _ = customers
    matrix = prepare(table, schema=None, features=None).matrix.astype(np.float64)
    best = KMeans(n_clusters=K, init="k-means++", n_init=10, random_state=0).fit(matrix)
    return matrix, within_sum_of_squares(matrix, best.labels_)


def within_sum_of_squares(matrix: np.ndarray, labels: np.ndarray) -> float:
    return sum(
        float(((matrix[labels == c] - matrix[labels == c].mean(axis=0)) ** 2).sum())
        for c in np.unique(labels)
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_minibatch_kmeans_reaches_the_best_solution_of_many_starts(customers, space, seed):
    table, truth = customers
    matrix, best = space
    assert len(table) > MINIBATCH_ABOVE_ROWS
    result = fit(table, params={"n_clusters": K, "random_state": seed, "stability": False})
    assert result.algorithm == "minibatch_kmeans"
    assert within_sum_of_squares(matrix, result.labels) <= 1.02 * best
    assert adjusted_rand_score(truth, result.labels) >= 0.9
    assert any("best of 10 k-means++ starts" in note for note in result.notes)
