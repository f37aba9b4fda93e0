"""Generated insights: every rule, every figure from the data (pure, no database)."""

import re

import numpy as np
import pandas as pd
import pytest

from reports import segments
from reports.insights import gini, insights_for

from .frames import demo_frame, demo_schema

RULES = segments.SegmentRules()


def _report(frame, segment_type, names=None):
    derived = segments.derive_customers(
        frame, segment_type=segment_type, schema=demo_schema(frame), rules=RULES
    )
    table = segments.segment_table_from(derived)
    return insights_for(table, derived=derived, segment_names=names), derived, table


def _by_rule(report, rule):
    return [i for i in report.insights if i.rule == rule]


def test_gini_equal_values_is_zero_and_one_holder_near_one():
    assert gini(np.full(100, 5.0)) == pytest.approx(0.0)
    assert gini(np.array([0.0] * 999 + [1.0])) == pytest.approx(0.999)
    assert gini(np.array([])) == 0.0


def test_insights_value_concentration_states_real_shares():
    frame = demo_frame(1000)
    report, derived, _ = _report(frame, "clv")
    finding = _by_rule(report, "value_concentration")[0]
    platinum = derived.frame[derived.frame["clv_tier"] == "Platinum"]
    share = platinum["clv"].sum() * 100 / derived.frame["clv"].sum()
    assert f"{share:.1f}%" in finding.description
    assert "Platinum (100 customers)" in finding.description
    assert "10.0% of the customer base" in finding.description
    assert finding.severity == "high"


def test_insights_gini_matches_key_metric():
    report, derived, _ = _report(demo_frame(1000), "clv")
    coefficient = gini(derived.frame["clv"].to_numpy())
    assert report.key_metrics["revenue_concentration"] == f"Gini coefficient: {coefficient:.2f}"
    finding = _by_rule(report, "gini")[0]
    assert f"{coefficient:.2f}" in finding.title
    assert "1,000 customers" in finding.description


def test_insights_largest_and_smallest_segments_name_their_counts():
    frame = demo_frame(1000)
    report, _, _ = _report(frame, "region")
    counts = frame["region"].value_counts()
    largest = _by_rule(report, "largest_segment")[0]
    smallest = _by_rule(report, "smallest_segment")[0]
    assert largest.title == f"Largest segment: {counts.index[0]}"
    assert f"has {counts.iloc[0]:,} customers" in largest.description
    assert smallest.title == f"Smallest segment: {counts.index[-1]}"
    assert f"has {counts.iloc[-1]:,} customers" in smallest.description


def test_insights_near_threshold_counts_customers_just_below_a_tier():
    frame = demo_frame(1000)
    report, derived, _ = _report(frame, "clv")
    findings = _by_rule(report, "near_threshold")
    assert findings
    gold = derived.thresholds["Gold"]
    clv = derived.frame["clv"]
    near = int(((clv < gold) & (clv >= gold * 0.9)).sum())
    silver_to_gold = next(f for f in findings if f.title == "Silver-to-Gold opportunity")
    assert silver_to_gold.description.startswith(f"{near:,} Silver customers")
    assert f"{gold:,.2f}" in silver_to_gold.description


def test_insights_high_value_low_frequency_flags_such_a_segment():
    rows = 400
    frame = demo_frame(rows).assign(cluster_label=0)
    # Cluster 1: big baskets, rare purchases.
    frame.loc[:49, "avg_purchase_amount"] = 500.0
    frame.loc[:49, "purchase_frequency"] = 1
    frame.loc[:49, "cluster_label"] = 1
    report, _, _ = _report(frame, "cluster", names={0: "Regulars", 1: "Big rare buyers"})
    flagged = _by_rule(report, "high_value_low_frequency")
    assert [f.title for f in flagged] == ["Big rare buyers: high value, low frequency"]
    assert "spends 500.00 a purchase" in flagged[0].description
    assert "buys 1.0 times" in flagged[0].description


def test_insights_every_amount_in_sentences_comes_from_the_data():
    """Tripling every purchase amount changes every amount written in the findings (shares
    and the Gini coefficient do not scale, amounts do): nothing is canned."""
    frame = demo_frame(800, seed=1)
    tripled = frame.assign(avg_purchase_amount=frame["avg_purchase_amount"] * 3)
    first, _, _ = _report(frame, "clv")
    second, _, _ = _report(tripled, "clv")

    def amounts(report):
        pattern = r"\d[\d,]*\.\d\d\b"
        found = {n for i in report.insights for n in re.findall(pattern, i.description)}
        return {n for n in found if float(n.replace(",", "")) >= 10}

    assert len(amounts(first)) >= 5
    assert amounts(first).isdisjoint(amounts(second))


def test_insights_without_value_columns_still_reports_sizes():
    frame = pd.DataFrame({"gender": ["F", "M", "M"], "age": [20, 30, 40]})
    schema = [
        {"name": "gender", "role": "gender", "kind": "categorical"},
        {"name": "age", "role": "age", "kind": "numeric"},
    ]
    derived = segments.derive_customers(frame, segment_type="gender", schema=schema, rules=RULES)
    report = insights_for(segments.segment_table_from(derived), derived=derived)
    assert {i.rule for i in report.insights} == {"largest_segment", "smallest_segment"}
    assert report.key_metrics == {"total_customers": 3, "total_segments": 2}


def test_insights_value_gap_compares_best_and_worst():
    report, _, table = _report(demo_frame(1000), "clv")
    gap = _by_rule(report, "value_gap")[0]
    ratio = table["avg_clv"].max() / table["avg_clv"].min()
    assert gap.title.startswith(f"{ratio:.1f}x")
