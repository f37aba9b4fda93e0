"""Segment balance in the engine: the smallest segment's share, and a warning for every segment
under MIN_SEGMENT_SHARE and for DBSCAN's noise, saying what it holds."""

import pytest

from clustering.engine import fit, sweep_k
from clustering.engine.balance import MIN_SEGMENT_SHARE, segment_balance
from datasets.demo import generate_rfm_customers
from tests.clustering.planted import PLANTED, rfm_with_extreme_customers


@pytest.fixture(scope="module")
def planted():
    return rfm_with_extreme_customers()


@pytest.mark.parametrize("feature_transform", ["auto", "none"])
def test_a_planted_tiny_group_is_named_with_what_it_holds(planted, feature_transform):
    result = fit(planted, params={"n_clusters": 4, "feature_transform": feature_transform})
    tiny = next(cluster for cluster in result.clusters if cluster.size == PLANTED)
    assert result.metrics["smallest_segment"] == tiny.name
    assert result.metrics["smallest_segment_share"] == pytest.approx(
        100 * PLANTED / len(planted), abs=1e-4
    )
    (warning,) = result.metrics["segment_warnings"]
    assert warning.startswith(f"Segment '{tiny.name}' holds {PLANTED} customers (0.9%, under 1%)")
    ratio = int(warning.split("x the average monetary")[0].rsplit(" ", 1)[1])
    assert ratio >= 50
    assert warning.endswith("outliers, consider excluding them or k=3.")


def test_every_run_reports_its_smallest_share():
    frame = generate_rfm_customers(2_000, seed=0)
    result = fit(frame, params={"n_clusters": 4})
    smallest = min(cluster.size for cluster in result.clusters)
    assert result.metrics["smallest_segment_share"] == pytest.approx(
        100 * smallest / len(frame), abs=1e-4
    )
    assert result.metrics["segment_warnings"] == []


def test_dbscan_reports_noise_and_tiny_components_the_same_way(planted):
    result = fit(planted, algorithm="dbscan", params={"stability": False})
    sizes = {cluster.label: cluster.size for cluster in result.clusters}
    warnings = result.metrics["segment_warnings"]
    if sizes.get(-1):
        assert any(
            line.startswith(f"{sizes[-1]:,} customers") and "noise" in line for line in warnings
        )
    tiny = [label for label, size in sizes.items() if label != -1 and size < 0.01 * len(planted)]
    assert tiny, sizes
    for label in tiny:
        name = result.cluster(label).name
        assert any(f"Segment '{name}'" in line for line in warnings)
    assert not any("or k=" in line for line in warnings)  # density decides the count


def test_gmm_reports_a_tiny_component(planted):
    result = fit(planted, algorithm="gmm", params={"n_clusters": 4, "feature_transform": "none"})
    smallest = min(cluster.size for cluster in result.clusters)
    assert result.metrics["smallest_segment_share"] == pytest.approx(
        100 * smallest / len(planted), abs=1e-4
    )
    tiny = [c for c in result.clusters if c.size < MIN_SEGMENT_SHARE * len(planted)]
    assert len(result.metrics["segment_warnings"]) == len(tiny)


def test_the_average_below_is_said_too():
    balance = segment_balance(
        sizes={0: 5, 1: 995},
        names={0: "Quiet", 1: "Everyone"},
        means={0: {"spend": 1.0}, 1: {"spend": 100.0}},
        overall_means={"spend": 99.5},
        n_rows=1000,
        fewer_k=None,
    )
    assert balance.smallest_share == 0.5
    assert balance.warnings == (
        "Segment 'Quiet' holds 5 customers (0.5%, under 1%), 100x below the average spend: "
        "outliers, consider excluding them.",
    )


def test_the_sweep_does_not_recommend_a_k_with_a_micro_segment_and_says_why(planted):
    sweep = sweep_k(planted, k_min=2, k_max=6)
    shares = dict(zip(sweep.k_values, sweep.smallest_shares, strict=True))
    silhouettes = dict(zip(sweep.k_values, sweep.silhouettes, strict=True))
    assert shares[sweep.optimal_k] >= 100 * MIN_SEGMENT_SHARE
    better_but_tiny = [k for k in sweep.k_values if silhouettes[k] > silhouettes[sweep.optimal_k]]
    assert better_but_tiny  # the planted group makes a k that scores higher
    for k in better_but_tiny:
        assert shares[k] < 100 * MIN_SEGMENT_SHARE
        reason = next(line for line in sweep.passed_over if line.startswith(f"k = {k} "))
        assert "is not recommended" in reason
        assert "under 1%" in reason
        assert reason in sweep.notes


def test_fit_without_k_chooses_a_balanced_k(planted):
    result = fit(planted, params={"stability": False})
    assert result.metrics["smallest_segment_share"] >= 100 * MIN_SEGMENT_SHARE
    assert any("is not recommended" in note for note in result.notes)


def test_when_every_k_is_unbalanced_the_sweep_says_so(planted):
    sweep = sweep_k(planted, k_min=2, k_max=4, params={"feature_transform": "none"})
    assert min(sweep.smallest_shares) < 100 * MIN_SEGMENT_SHARE
    assert all(share < 100 * MIN_SEGMENT_SHARE for share in sweep.smallest_shares)
    assert sweep.passed_over[0].startswith("Every k leaves a segment under 1% of the customers")


def test_gmm_names_its_tiny_component_and_what_it_holds(planted):
    result = fit(planted, algorithm="gmm", params={"n_clusters": 4, "stability": False})
    tiny = next(cluster for cluster in result.clusters if cluster.size == PLANTED)
    (warning,) = result.metrics["segment_warnings"]
    assert warning.startswith(f"Segment '{tiny.name}' holds {PLANTED} customers (0.9%, under 1%)")
    assert "x the average monetary: outliers, consider excluding them or k=3." in warning


def test_a_one_customer_segment_reads_as_one_customer_with_its_real_share():
    balance = segment_balance(
        sizes={0: 1, 1: 2_999},
        names={0: "Whale", 1: "Everyone"},
        means={0: {"spend": 5_000.0}, 1: {"spend": 10.0}},
        overall_means={"spend": 11.66},
        n_rows=3_000,
        fewer_k=None,
    )
    (warning,) = balance.warnings
    assert warning.startswith("Segment 'Whale' holds 1 customer (0.033%, under 1%)")


def test_two_micro_segments_suggest_two_segments_fewer():
    balance = segment_balance(
        sizes={0: 1, 1: 5, 2: 1_000, 3: 1_994},
        names={0: "Whale", 1: "Big", 2: "Some", 3: "Most"},
        means={},
        overall_means={},
        n_rows=3_000,
        fewer_k=3,
    )
    assert len(balance.warnings) == 2
    assert all(warning.endswith("consider excluding them or k=2.") for warning in balance.warnings)
