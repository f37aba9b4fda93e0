"""Segment views combined from chunks of rows (reports.chunks) equal the one-frame views: pure,
no database. The data is heavy-tailed like a real shop's: spend and frequency from a generated
purchase log (tests/purchase_logs.py: most customers buy once, lognormal orders, whales),
lognormal incomes, missing values in several columns, clusters of very different sizes."""

import math

import numpy as np
import pandas as pd
import pytest

from reports import segments
from reports.chunks import chunk_partial, combine_chunks
from reports.insights import gini, insights_for

from .frames import demo_schema, heavy_tailed_customers

RULES = segments.SegmentRules()
CUSTOMERS = 6_000
CHUNKINGS = (1, 3, 7)
MEAN_COLUMNS = [name for name, _, _ in segments.AGGREGATES] + ["customer_percentage"]


@pytest.fixture(scope="module")
def frame():
    return heavy_tailed_customers(CUSTOMERS)


def uneven_chunks(frame: pd.DataFrame, count: int, seed: int = 0) -> list[pd.DataFrame]:
    """`count` chunks of consecutive rows, of random (uneven) sizes, none empty."""
    rng = np.random.default_rng(seed + count)
    cuts = np.sort(rng.choice(np.arange(1, len(frame)), size=count - 1, replace=False))
    chunks = np.split(np.arange(len(frame)), cuts)
    assert len({len(c) for c in chunks}) == count  # really uneven
    return [frame.iloc[rows] for rows in chunks]


def _derive(frame, segment_type, fixed=None):
    return segments.derive_customers(
        frame, segment_type=segment_type, schema=demo_schema(frame), rules=RULES, fixed=fixed
    )


def _combined(frame, segment_type, count, *, sample=None):
    """The chunked view: parameters and sample from `sample` (default: every row)."""
    schema = demo_schema(frame)
    sample_rows = frame if sample is None else sample
    fixed = segments.derived_parameters(
        sample_rows, segment_type=segment_type, schema=schema, rules=RULES
    )
    partials = [
        chunk_partial(chunk, segment_type=segment_type, schema=schema, rules=RULES, fixed=fixed)
        for chunk in uneven_chunks(frame, count)
    ]
    derived_sample = _derive(sample_rows, segment_type, fixed=fixed)
    return combine_chunks(partials, sample=derived_sample, sampled=sample is not None)


def _assert_tables_equal(combined: pd.DataFrame, whole: pd.DataFrame) -> None:
    assert list(combined.columns) == list(whole.columns)
    key = combined.columns[0]
    assert [str(k) for k in combined[key]] == [
        str(k) for k in whole[key]
    ]  # same segments, same order
    assert combined["total_customers"].tolist() == whole["total_customers"].tolist()
    for column in combined.columns[2:]:
        np.testing.assert_allclose(
            combined[column].to_numpy(dtype=float), whole[column].to_numpy(dtype=float), rtol=1e-9
        )


def _assert_close(got, want, path="record"):
    """Nested records equal; floats to 1e-9 relative (sums in another order)."""
    if isinstance(want, dict):
        assert isinstance(got, dict), path
        assert list(got) == list(want), path
        for name in want:
            _assert_close(got[name], want[name], f"{path}.{name}")
    elif isinstance(want, list):
        assert isinstance(got, list), path
        assert len(got) == len(want), path
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            _assert_close(g, w, f"{path}[{index}]")
    elif isinstance(want, float) and not isinstance(got, str):
        assert got == pytest.approx(want, rel=1e-9, nan_ok=True), path
    else:
        assert got == want, path


def _plain_pandas_table(derived) -> pd.DataFrame:
    """The one-frame table written out with plain pandas group-bys (no partials), to check the
    shared code against."""
    data, key = derived.frame, derived.key
    grouped = data.groupby(key, observed=True, sort=True)
    table = pd.DataFrame({"total_customers": grouped.size()})
    for name, column, _ in segments.AGGREGATES:
        if column in data:
            table[name] = grouped[column].mean()
    table["total_value"] = grouped[derived.value_column].sum()
    table = table.reset_index()
    table.insert(2, "customer_percentage", table["total_customers"] * 100.0 / len(data))
    if key in ("gender", "region"):
        table = table.sort_values(["total_customers", key], ascending=[False, True])
    return table.reset_index(drop=True)


@pytest.mark.parametrize("count", CHUNKINGS)
@pytest.mark.parametrize("segment_type", segments.SEGMENT_TYPES)
def test_combined_segment_table_equals_the_one_frame_table(frame, segment_type, count):
    derived = _derive(frame, segment_type)
    whole = segments.segment_table_from(derived)
    _assert_tables_equal(whole, _plain_pandas_table(derived))
    view = _combined(frame, segment_type, count)
    _assert_tables_equal(view.table, whole)
    assert len(whole) >= 2


@pytest.mark.parametrize("count", CHUNKINGS)
def test_combined_cluster_records_equal_the_one_frame_records(frame, count):
    derived = _derive(frame, "cluster")
    whole_table = segments.segment_table_from(derived)
    meta = {0: {"name": "Loyal", "summary": "Buy often"}}
    whole = segments.cluster_records(
        whole_table, details=segments.cluster_details(derived), clusters=meta
    )
    view = _combined(frame, "cluster", count)
    records = segments.cluster_records(view.table, details=view.details, clusters=meta)
    _assert_close(records, whole)
    small = next(r for r in records if r["cluster_id"] == 3)
    members = frame[frame["cluster_label"] == 3]
    assert small["customer_count"] == len(members)
    assert small["financial_metrics"]["income_range"]["max"] == members["annual_income"].max()
    assert sum(small["demographics"]["gender_distribution"].values()) == members["gender"].count()


@pytest.mark.parametrize("count", CHUNKINGS)
@pytest.mark.parametrize("segment_type", segments.SEGMENT_TYPES)
def test_combined_insights_equal_the_one_frame_insights(frame, segment_type, count):
    derived = _derive(frame, segment_type)
    names = {0: "Loyal", 1: "Regular"} if segment_type == "cluster" else None
    whole = insights_for(segments.segment_table_from(derived), derived=derived, segment_names=names)
    view = _combined(frame, segment_type, count)
    combined = insights_for(view.table, inputs=view.inputs, segment_names=names)
    _assert_close(combined.as_dict(), whole.as_dict())


def test_near_threshold_counts_add_up_over_chunks(frame):
    view = _combined(frame, "clv", 7)
    derived = _derive(frame, "clv")
    clv = derived.frame["clv"]
    for tier, bound in derived.thresholds.items():
        near = (clv < bound) & (clv >= bound * 0.9)
        assert view.inputs.near[tier].count == int(near.sum()) > 0
        assert view.inputs.near[tier].gap_sum == pytest.approx(float((bound - clv[near]).sum()))


def test_chunks_deriving_their_own_thresholds_would_disagree(frame):
    """Why the population figures are fixed up front: each chunk's own CLV quantiles put other
    customers in each tier than the whole table's."""
    whole = segments.segment_table_from(_derive(frame, "clv"))
    own = [
        segments.partial_segment_table(_derive(chunk, "clv")) for chunk in uneven_chunks(frame, 7)
    ]
    combined = segments.combine_segment_tables(own, _derive(frame, "clv"))
    assert combined["total_customers"].tolist() != whole["total_customers"].tolist()


def test_a_uniform_sample_gives_close_parameters_and_names_its_size(frame):
    sample = frame.sample(n=2_000, random_state=1)
    schema = demo_schema(frame)
    exact = segments.derived_parameters(frame, segment_type="clv", schema=schema, rules=RULES)
    estimated = segments.derived_parameters(sample, segment_type="clv", schema=schema, rules=RULES)
    for tier, bound in exact.clv_thresholds.items():
        assert estimated.clv_thresholds[tier] == pytest.approx(bound, rel=0.1)
    income = segments.derived_parameters(
        sample, segment_type="income_bracket", schema=schema, rules=RULES
    )
    assert income.income_scale == 1.0  # full-currency incomes

    derived = _derive(frame, "clv")
    whole = insights_for(segments.segment_table_from(derived), derived=derived)
    view = _combined(frame, "clv", 3, sample=sample)
    report = insights_for(view.table, inputs=view.inputs)
    assert report.key_metrics["gini_sample_size"] == sample["avg_purchase_amount"].count()
    assert report.key_metrics["total_value"] == pytest.approx(whole.key_metrics["total_value"])
    assert report.key_metrics["gini_coefficient"] == pytest.approx(
        whole.key_metrics["gini_coefficient"], abs=0.03
    )
    finding = next(i for i in report.insights if i.rule == "gini")
    assert f"estimated from a sample of {report.key_metrics['gini_sample_size']:,})" in (
        finding.description
    )
    # The count is the population's, not the sample's.
    assert f"across {derived.frame['clv'].count():,} customers" in finding.description
    assert report.key_metrics["total_customers"] == whole.key_metrics["total_customers"]


def test_cluster_median_income_comes_from_the_sample(frame):
    sample = frame.sample(n=1_500, random_state=2)
    view = _combined(frame, "cluster", 3, sample=sample)
    derived = _derive(frame, "cluster")
    exact = derived.frame.groupby("cluster_id")["income"].median()
    for label, detail in view.details.items():
        median = detail["income"][0]
        in_sample = (sample["cluster_label"] == label) & sample["annual_income"].notna()
        if in_sample.any():
            assert median == sample.loc[in_sample, "annual_income"].median()
            assert median == pytest.approx(exact[label], rel=0.25)
        else:
            assert math.isnan(median)
        # Ranges stay exact whatever the sample.
        assert (
            detail["income"][2]
            == derived.frame.loc[derived.frame["cluster_id"] == label, "income"].max()
        )


def test_gini_reads_every_value_on_one_frame(frame):
    derived = _derive(frame, "purchase_tier")
    report = insights_for(segments.segment_table_from(derived), derived=derived)
    assert "gini_sample_size" not in report.key_metrics
    expected = gini(derived.frame[derived.value_column].to_numpy())
    assert report.key_metrics["gini_coefficient"] == round(expected, 2)


@pytest.mark.parametrize("segment_type", segments.SEGMENT_TYPES)
def test_empty_chunks_add_nothing(frame, segment_type):
    """A partition may hold no rows (e.g. after a filter): its partial changes no figure."""
    schema = demo_schema(frame)
    fixed = segments.derived_parameters(
        frame, segment_type=segment_type, schema=schema, rules=RULES
    )
    chunks = [frame.iloc[:0], frame.iloc[:2_500], frame.iloc[2_500:2_500], frame.iloc[2_500:]]
    partials = [
        chunk_partial(chunk, segment_type=segment_type, schema=schema, rules=RULES, fixed=fixed)
        for chunk in chunks
    ]
    view = combine_chunks(partials, sample=_derive(frame, segment_type, fixed), sampled=False)
    derived = _derive(frame, segment_type)
    _assert_tables_equal(view.table, segments.segment_table_from(derived))
    whole = insights_for(segments.segment_table_from(derived), derived=derived)
    _assert_close(insights_for(view.table, inputs=view.inputs).as_dict(), whole.as_dict())
