"""Rule-based segment tables: pure pandas, no database."""

import math

import numpy as np
import pandas as pd
import pytest

from reports import segments
from reports.segments import SegmentInputError, SegmentRules

from .frames import demo_frame, demo_schema

RULES = SegmentRules()


def _table(frame, segment_type, schema=None):
    return segments.segment_table(
        frame, segment_type=segment_type, schema=schema or demo_schema(frame), rules=RULES
    )


def test_segment_table_gender_counts_every_customer_once():
    frame = demo_frame()
    table = _table(frame, "gender")
    expected = frame["gender"].value_counts()
    assert dict(zip(table["gender"], table["total_customers"], strict=True)) == {
        str(k): int(v) for k, v in expected.items()
    }
    assert table["customer_percentage"].sum() == pytest.approx(100)


def test_segment_table_region_orders_by_size_descending():
    table = _table(demo_frame(), "region")
    assert list(table["total_customers"]) == sorted(table["total_customers"], reverse=True)
    assert len(table) == 6


def test_segment_table_age_group_brackets_match_row_rule():
    frame = demo_frame()
    table = _table(frame, "age_group")
    by_rule = pd.Series(
        [segments.age_group_of(a, rules=RULES) for a in frame["age"]]
    ).value_counts()
    assert dict(zip(table["age_group"], table["total_customers"], strict=True)) == by_rule.to_dict()
    assert list(table["age_group"]) == [b.label for b in RULES.age_groups if b.label in by_rule]


def test_segment_table_income_bracket_reads_thousands_as_thousands():
    frame = demo_frame()  # annual_income is in thousands (median about 60)
    table = _table(frame, "income_bracket")
    high = (frame["annual_income"] > 70).sum()
    row = table[table["income_bracket"] == "High Income (>70k)"].iloc[0]
    assert row["total_customers"] == high
    assert row["avg_income"] == pytest.approx(
        frame.loc[frame["annual_income"] > 70, "annual_income"].mean()
    )


def test_income_scale_full_currency_units_kept():
    incomes = pd.Series([25_000.0, 60_000.0, 90_000.0])
    assert segments.income_scale(incomes, income_column="income") == 1.0
    assert segments.income_scale(incomes / 1000, income_column="income") == 1000.0
    assert segments.income_scale(incomes, income_column="Annual Income (k$)") == 1000.0


def test_segment_table_purchase_tier_brackets_yearly_spend():
    frame = demo_frame()
    table = _table(frame, "purchase_tier")
    spend = frame["avg_purchase_amount"] * frame["purchase_frequency"]
    assert table.set_index("purchase_tier")["total_customers"].to_dict() == {
        label: int(n)
        for label, n in pd.Series(
            [
                segments.purchase_tier_of(a, rules=RULES, frequency=f)
                for a, f in zip(
                    frame["avg_purchase_amount"], frame["purchase_frequency"], strict=True
                )
            ]
        )
        .value_counts()
        .items()
    }
    assert table["avg_yearly_spend"].iloc[-1] == pytest.approx(spend[spend > 3000].mean())


def test_segment_table_clv_tiers_follow_quantiles_best_first():
    frame = demo_frame(1000)
    table = _table(frame, "clv")
    assert list(table["clv_tier"]) == ["Platinum", "Gold", "Silver", "Bronze"]
    assert list(table["total_customers"]) == [100, 200, 300, 400]
    clv = frame["avg_purchase_amount"] * frame["purchase_frequency"] * frame["tenure_months"] / 12
    assert table["total_value"].sum() == pytest.approx(clv.sum())
    top = clv.sort_values(ascending=False).head(100)
    assert table.iloc[0]["avg_clv"] == pytest.approx(top.mean())


def test_clv_row_rules_agree_with_table():
    frame = demo_frame(800)
    derived = segments.derive_customers(
        frame, segment_type="clv", schema=demo_schema(frame), rules=RULES
    )
    row = frame.iloc[5]
    clv = segments.clv_of(
        purchase_amount=row["avg_purchase_amount"],
        purchase_frequency=row["purchase_frequency"],
        lifespan_in_years=segments.lifespan_years(
            row["tenure_months"], tenure_column="tenure_months"
        ),
    )
    assert clv == pytest.approx(derived.frame["clv"].iloc[5])
    tier = segments.clv_tier_of(clv, thresholds=derived.thresholds, rules=RULES)
    assert tier == derived.frame["clv_tier"].iloc[5]


def test_lifespan_years_column_named_years_is_not_divided():
    assert segments.lifespan_years(6, tenure_column="years_as_customer") == 6
    assert segments.lifespan_years(24, tenure_column="tenure_months") == 2


def test_segment_table_cluster_groups_by_label():
    frame = demo_frame().assign(cluster_label=lambda f: np.arange(len(f)) % 3)
    table = _table(frame, "cluster")
    assert list(table["cluster_id"]) == [0, 1, 2]
    assert list(table["total_customers"]) == [200, 200, 200]


def test_cluster_records_carry_section_2_groups():
    frame = demo_frame().assign(cluster_label=lambda f: (f["annual_income"] > 70).astype(int))
    derived = segments.derive_customers(
        frame, segment_type="cluster", schema=demo_schema(frame), rules=RULES
    )
    table = segments.segment_table_from(derived)
    records = segments.cluster_records(
        table,
        details=segments.cluster_details(derived),
        clusters={1: {"name": "Affluent", "summary": "High income"}},
    )
    affluent = next(r for r in records if r["cluster_id"] == 1)
    rich = frame[frame["annual_income"] > 70]
    assert affluent["cluster_name"] == "Affluent"
    assert affluent["metadata"]["description"] == "High income"
    assert affluent["customer_count"] == len(rich)
    assert affluent["financial_metrics"]["income_range"]["min"] == pytest.approx(
        rich["annual_income"].min()
    )
    assert affluent["financial_metrics"]["median_income"] == pytest.approx(
        rich["annual_income"].median()
    )
    assert sum(affluent["demographics"]["gender_distribution"].values()) == len(rich)
    assert affluent["demographics"]["predominant_gender"] == rich["gender"].value_counts().index[0]
    assert affluent["behavioral_metrics"]["avg_customer_lifespan_months"] == pytest.approx(
        rich["tenure_months"].mean(), abs=0.06
    )
    other = next(r for r in records if r["cluster_id"] == 0)
    assert other["cluster_name"] == "Cluster 0"
    assert {affluent["cluster_priority"], other["cluster_priority"]} == {1, 2}


@pytest.mark.parametrize(
    ("segment_type", "role"),
    [
        ("gender", "gender"),
        ("region", "region"),
        ("age_group", "age"),
        ("income_bracket", "income"),
        ("purchase_tier", "purchase_amount"),
        ("clv", "tenure"),
    ],
)
def test_segment_table_missing_role_raises_naming_it(segment_type, role):
    frame = demo_frame(50)
    with pytest.raises(SegmentInputError, match=f"'{role}'"):
        _table(frame, segment_type, schema=demo_schema(frame, without=(role,)))


def test_segment_table_unknown_type_raises_listing_types():
    frame = demo_frame(50)
    with pytest.raises(SegmentInputError, match="choose one of gender"):
        _table(frame, "favourite_colour")


def test_columns_needed_reads_only_role_columns():
    frame = demo_frame(10)
    columns = segments.columns_needed(segment_type="clv", schema=demo_schema(frame))
    assert "customer_id" not in columns
    assert {"avg_purchase_amount", "purchase_frequency", "tenure_months"} <= set(columns)
    assert "gender" not in columns


def test_segment_rules_from_overrides_changes_brackets():
    rules = SegmentRules.from_overrides({"age_groups": [[30, "Young"], [None, "Older"]]})
    assert segments.age_group_of(30, rules=rules) == "Young"
    assert segments.age_group_of(31, rules=rules) == "Older"
    assert rules.income_brackets == segments.DEFAULT_INCOME_BRACKETS


@pytest.mark.parametrize(
    "overrides",
    [
        {"age_groups": [[30, "Young"], [20, "Old"], [None, "x"]]},
        {"age_groups": [[30, "Young"]]},
        {"clv_tiers": [["Gold", 0.5], ["Platinum", 0.9]]},
        {"shoe_sizes": []},
    ],
)
def test_segment_rules_from_overrides_bad_rules_raise(overrides):
    with pytest.raises(SegmentInputError):
        SegmentRules.from_overrides(overrides)


def test_bracket_of_missing_value_is_none():
    assert segments.age_group_of(None, rules=RULES) is None
    assert segments.age_group_of(math.nan, rules=RULES) is None


def test_sort_records_unknown_field_raises():
    with pytest.raises(SegmentInputError, match="Cannot sort"):
        segments.sort_records([], segment_type="gender", sort_by="password", descending=True)


def test_sort_records_cluster_field_inside_group_missing_last():
    records = [
        {"cluster_id": 0, "financial_metrics": {"avg_income": 10}},
        {"cluster_id": 1, "financial_metrics": {}},
        {"cluster_id": 2, "financial_metrics": {"avg_income": 30}},
    ]
    ordered = segments.sort_records(
        records, segment_type="cluster", sort_by="avg_income", descending=False
    )
    assert [r["cluster_id"] for r in ordered] == [0, 2, 1]


def test_lifespan_years_reads_days_and_weeks_from_the_column_name():
    assert segments.lifespan_years(730.5, tenure_column="tenure_days") == pytest.approx(2)
    assert segments.lifespan_years(104.36, tenure_column="weeksAsMember") == pytest.approx(2, 1e-3)
    assert segments.lifespan_years(36, tenure_column="tenure") == 3  # no unit named: months
