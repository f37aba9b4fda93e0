"""The pure lineage core: matching, Jaccard, transitions, entered/left, movers, name carry-over."""

import numpy as np
import pandas as pd

from clustering.engine.lineage import (
    BASIS_CENTROIDS,
    BASIS_CUSTOMERS,
    MIN_MATCH_JACCARD,
    carried_names,
    compare_assignments,
)


def planted(n=1_000, movers=40, seed=0):
    """Old run: labels 0..2; new run: the same customers relabelled (0->2, 1->0, 2->1), `movers`
    customers of old 0 moved to new 0 (old 1's match), 7 customers left, 5 entered."""
    rng = np.random.default_rng(seed)
    keys = np.array([f"C{i:05d}" for i in range(n)], dtype=object)
    old = rng.integers(0, 3, n)
    relabel = np.array([2, 0, 1])
    new = relabel[old].copy()
    moving = np.flatnonzero(old == 0)[:movers]
    new[moving] = 0
    keep = np.ones(n, dtype=bool)
    keep[np.flatnonzero(old == 1)[-7:]] = False
    new_keys = np.concatenate([keys[keep], [f"N{i}" for i in range(5)]])
    new_labels = np.concatenate([new[keep], [1, 1, 1, 2, 2]])
    return keys, old, new_keys, new_labels, moving


def test_planted_movers_are_counted_exactly():
    old_keys, old_labels, new_keys, new_labels, moving = planted()
    lineage = compare_assignments(old_keys, old_labels, new_keys, new_labels)
    assert lineage.basis == BASIS_CUSTOMERS
    assert lineage.match_of_old() == {0: 2, 1: 0, 2: 1}
    assert lineage.transitions[0, 0] == 40  # old 0 -> new 0 (the match of old 1)
    assert lineage.n_moved == 40
    assert set(lineage.movers["key"]) == set(old_keys[moving])
    assert (lineage.movers["from_label"] == 0).all()
    assert (lineage.movers["to_label"] == 0).all()
    assert lineage.left == [0, 7, 0]
    assert lineage.entered == [0, 3, 2]
    assert lineage.n_shared == 1_000 - 7
    assert sum(lineage.old_sizes) == 1_000
    assert sum(lineage.new_sizes) == 998
    stay = {p.old_label: p for p in lineage.pairs}
    assert stay[2].jaccard == stay[2].shared / (stay[2].shared + 3)  # 3 entered new 1
    assert stay[0].jaccard == stay[0].shared / (stay[0].shared + 40 + 2)  # 40 moved, 2 entered


def test_duplicate_keys_count_once_with_their_first_row():
    lineage = compare_assignments(["a", "a", "b"], [0, 1, 1], ["a", "b"], [5, 6])
    assert lineage.n_old == 2
    assert lineage.transitions.tolist() == [[1, 0], [0, 1]]


def test_integer_keys_and_no_overlap_match_on_centroids():
    old_centroids = {0: {"x": 0.0, "y": 100.0}, 1: {"x": 10.0, "y": 900.0}}
    new_centroids = {7: {"x": 9.0, "y": 950.0, "z": 1.0}, 8: {"x": 1.0, "y": 120.0, "z": 2.0}}
    lineage = compare_assignments(
        np.arange(10),
        np.repeat([0, 1], 5),
        np.arange(100, 110),
        np.repeat([7, 8], 5),
        old_centroids=old_centroids,
        new_centroids=new_centroids,
    )
    assert lineage.basis == BASIS_CENTROIDS
    assert lineage.match_of_old() == {0: 8, 1: 7}
    assert lineage.pairs[0].jaccard is None
    assert lineage.pairs[0].centroid_shift == {"x": 1.0, "y": 20.0}
    assert lineage.n_shared == 0
    assert lineage.entered == [5, 5]
    assert lineage.left == [5, 5]
    assert lineage.movers.empty


def test_more_new_segments_than_old_leaves_one_unmatched():
    lineage = compare_assignments(
        list("abcdef"), [0, 0, 0, 1, 1, 1], list("abcdef"), [0, 0, 2, 1, 1, 1]
    )
    assert lineage.match_of_old() == {0: 0, 1: 1}
    assert lineage.movers.to_dict("records") == [{"key": "c", "from_label": 0, "to_label": 2}]


def test_carried_names_keep_analyst_names_and_stay_unique():
    old_keys, old_labels, new_keys, new_labels, _ = planted()
    lineage = compare_assignments(old_keys, old_labels, new_keys, new_labels)
    old_names = {0: "Loyal", 1: "Bargain", 2: "New"}
    new_names = {0: "New", 1: "Segment B", 2: "Segment C"}
    renamed = carried_names(lineage, old_names=old_names, new_names=new_names)
    # new 2 <- old 0 "Loyal", new 0 <- old 1 "Bargain", new 1 <- old 2 "New"
    assert renamed == {0: "Bargain", 1: "New", 2: "Loyal"}
    kept = carried_names(lineage, old_names=old_names, new_names=new_names, locked={1})
    assert kept == {0: "Bargain", 2: "Loyal"}
    low = carried_names(lineage, old_names=old_names, new_names=new_names, threshold=1.01)
    assert low == {}


def test_carried_name_displaces_a_duplicate_with_a_number():
    lineage = compare_assignments(list("abcd"), [0, 0, 1, 1], list("abcd"), [0, 0, 1, 1])
    renamed = carried_names(lineage, old_names={0: "Loyal"}, new_names={0: "Big", 1: "Loyal"})
    assert renamed == {0: "Loyal", 1: "Loyal (2)"}


def test_empty_tables():
    lineage = compare_assignments([], [], ["a"], [0])
    assert lineage.pairs == []
    assert lineage.entered == [1]
    assert isinstance(lineage.movers, pd.DataFrame)


def test_a_pairing_with_little_overlap_is_no_match():
    """Old segment 1 (1,000 customers) sends 200 to new segment 1, which is mostly newcomers
    (800): a Jaccard overlap of 200 / 1,800 = 11%, below MIN_MATCH_JACCARD. The Hungarian method
    still pairs them; the lineage does not call it a continuation."""
    old_keys = [f"c{i}" for i in range(2_000)]
    old_labels = [0] * 1_000 + [1] * 1_000
    new_keys = [f"c{i}" for i in range(1_000)] + [f"c{i}" for i in range(1_000, 1_200)]
    new_keys += [f"n{i}" for i in range(800)]
    new_labels = [0] * 1_000 + [1] * 1_000
    lineage = compare_assignments(old_keys, old_labels, new_keys, new_labels)

    assert MIN_MATCH_JACCARD > 200 / 1_800
    assert lineage.match_of_old() == {0: 0}
    assert lineage.n_moved == 200  # their old segment has no successor: they moved
    assert set(lineage.movers["to_label"]) == {1}
