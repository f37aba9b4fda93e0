"""Plotly figures: plain JSON for Plotly.newPlot, sampled when large (pure, no database)."""

import json

import numpy as np
import pandas as pd
import pytest

from reports import charts

from .frames import demo_frame


def _plain_json(figure):
    text = json.dumps(figure)  # fails on numpy values
    assert "bdata" not in text
    return figure


def test_scatter_chart_samples_large_runs_and_keeps_one_trace_per_cluster():
    frame = demo_frame(5000)[["age", "annual_income", "spending_score", "gender"]]
    labels = np.arange(len(frame)) % 4
    figure = _plain_json(
        charts.scatter_chart(frame, labels=labels, names={0: "A", 1: "B"}, max_points=1000)
    )
    assert sum(len(trace["x"]) for trace in figure["data"]) == 1000
    assert [trace["name"] for trace in figure["data"]] == ["A", "B", "Cluster 2", "Cluster 3"]
    assert "1,000 of 5,000 customers" in figure["layout"]["title"]["text"]


def test_scatter_chart_small_run_draws_every_point():
    frame = demo_frame(300)[["age", "annual_income"]]
    figure = charts.scatter_chart(frame, labels=np.zeros(300, dtype=int), names={})
    assert len(figure["data"][0]["x"]) == 300


def test_scatter_chart_mismatched_labels_raise():
    with pytest.raises(charts.ChartInputError):
        charts.scatter_chart(demo_frame(10)[["age"]], labels=np.zeros(3), names={})


def test_distribution_chart_shows_sizes_and_shares():
    figure = _plain_json(
        charts.distribution_chart(
            [{"label": 0, "name": "A", "size": 30}, {"label": 1, "name": "B", "size": 10}]
        )
    )
    bar = figure["data"][0]
    assert bar["type"] == "bar"
    assert bar["x"] == ["A", "B"]
    assert bar["y"] == [30, 10]
    assert bar["text"] == ["75%", "25%"]  # whole numbers without ".0"


def test_distribution_chart_empty_raises():
    with pytest.raises(charts.ChartInputError):
        charts.distribution_chart([])


def test_elbow_chart_has_two_axes_and_marks_chosen_k():
    figure = _plain_json(
        charts.elbow_chart(
            ks=[2, 3, 4], inertias=[9.0, 5.0, 4.0], silhouettes=[0.4, 0.6, 0.5], chosen_k=3
        )
    )
    inertia, silhouette = figure["data"]
    assert inertia["y"] == [9.0, 5.0, 4.0]
    assert silhouette["yaxis"] == "y2"
    assert figure["layout"]["shapes"][0]["x0"] == 3


def test_elbow_chart_uneven_lists_raise():
    with pytest.raises(charts.ChartInputError):
        charts.elbow_chart(ks=[2, 3], inertias=[1.0], silhouettes=[0.1, 0.2])


def test_correlation_heatmap_values_match_pandas():
    frame = demo_frame(400)
    matrix = charts.correlation_matrix(frame)
    figure = _plain_json(charts.correlation_heatmap(matrix))
    heat = figure["data"][0]
    assert heat["x"] == list(matrix.columns)
    assert heat["z"][0][1] == pytest.approx(round(matrix.iloc[0, 1], 3))
    assert "gender" not in heat["x"]


def test_correlation_matrix_needs_two_numeric_columns():
    with pytest.raises(charts.ChartInputError):
        charts.correlation_matrix(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))


def test_profile_chart_scales_each_feature_across_clusters():
    figure = _plain_json(
        charts.profile_chart({"A": {"age": 30, "income": 50.0}, "B": {"age": 50, "income": 90.0}})
    )
    first, second = figure["data"]
    assert first["type"] == "scatterpolar"
    assert first["r"] == [0.0, 0.0, 0.0]
    assert second["r"] == [1.0, 1.0, 1.0]
    assert second["customdata"][:2] == [50.0, 90.0]


def test_feature_importance_chart_orders_most_important_on_top():
    figure = _plain_json(charts.feature_importance_chart({"age": 0.2, "income": 0.7, "score": 0.1}))
    assert figure["data"][0]["y"] == ["score", "age", "income"]


def test_feature_importance_chart_empty_raises():
    with pytest.raises(charts.ChartInputError):
        charts.feature_importance_chart({})


def test_transition_sankey_draws_bands_entered_and_left():
    from reports.charts import transition_sankey

    figure = transition_sankey(
        old_title="Run 1",
        new_title="Run 2",
        old_segments=[
            {"label": 0, "name": "A", "left": 3, "matched_to": 1},
            {"label": 1, "name": "B", "left": 0, "matched_to": 0},
        ],
        new_segments=[
            {"label": 0, "name": "B2", "entered": 2, "matched_to": 1},
            {"label": 1, "name": "A2", "entered": 0, "matched_to": 0},
        ],
        transitions=[
            {"from_label": 0, "to_label": 1, "customers": 10},
            {"from_label": 1, "to_label": 0, "customers": 7},
        ],
    )
    sankey = figure["data"][0]
    assert sankey["type"] == "sankey"
    assert sankey["node"]["label"] == [
        "Run 1: A",
        "Run 1: B",
        "Run 2: B2",
        "Run 2: A2",
        "Not in Run 1 (entered)",
        "Not in Run 2 (left)",
    ]
    assert sankey["link"]["value"] == [10, 7, 2, 3]
    colours = sankey["node"]["color"]
    assert (colours[3], colours[2]) == (colours[0], colours[1])  # continued segments match
