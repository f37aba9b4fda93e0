"""Plotly figures of a clustering run, as plain JSON-ready dicts (`{"data": [...], "layout":
{...}}`) that `Plotly.newPlot(element, figure.data, figure.layout)` draws. Pure: frames, arrays and
dicts in, dicts out; imports numpy, pandas, scikit-learn, plotly, the engine's `sample_rows` and
the stdlib-only number formatter `config.numbers`.

Large inputs are sampled before they reach a figure: a browser draws a few thousand points
smoothly, not a million (`MAX_SCATTER_POINTS`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.decomposition import PCA

from clustering.engine.sampling import sample_rows
from config.numbers import PERCENT_DECIMALS, number_text

MAX_SCATTER_POINTS = 3000  # beyond this the browser slows down and the picture does not change
CHART_NAMES = ("scatter", "distribution", "elbow", "correlation", "profiles", "feature_importance")
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


class ChartInputError(ValueError):
    """The run has nothing to draw for this chart; the message says why, for the user."""


def _as_dict(figure: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON types through plotly's own encoder. Callers pass lists, not
    arrays, so the JSON holds plain numbers rather than base64 typed arrays."""
    return json.loads(figure.to_json())


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "template": "plotly_white", **extra}


def sample_positions(
    n_rows: int, *, max_points: int = MAX_SCATTER_POINTS, seed: int = 0
) -> np.ndarray:
    """Sorted row positions of a uniform sample of at most `max_points` rows, reproducible."""
    return sample_rows(n_rows, max_points, seed=seed)


def _encode(features: pd.DataFrame) -> np.ndarray:
    """Numeric columns standardised (missing -> median), categoricals one-hot."""
    numeric = features.select_dtypes(include="number")
    numeric = numeric.fillna(numeric.median())
    std = numeric.std(ddof=0).replace(0, 1)
    parts = [((numeric - numeric.mean()) / std).to_numpy(dtype=float)]
    categorical = features.drop(columns=numeric.columns)
    if not categorical.empty:
        parts.append(pd.get_dummies(categorical.astype(str), dtype=float).to_numpy())
    return np.hstack(parts) if parts else np.empty((len(features), 0))


def scatter_chart(
    features: pd.DataFrame,
    *,
    labels: np.ndarray,
    names: dict[int, str],
    max_points: int = MAX_SCATTER_POINTS,
    seed: int = 0,
    encode: Callable[[pd.DataFrame], np.ndarray] | None = None,
    population: int | None = None,
) -> dict[str, Any]:
    """Customers on the first two principal components of the run's features, one trace per
    cluster, drawn from a sample of at most `max_points` rows (the title says so, out of
    `population` customers when `features` is itself a sample of them). `encode` turns the
    sampled rows into the space the run clustered in (its scaling and log transforms); without
    it, numbers are standardised and categories one-hot encoded."""
    if len(features) != len(labels):
        raise ChartInputError("Every customer needs a cluster label to be drawn.")
    if features.shape[1] == 0 or len(features) < 2:
        raise ChartInputError("The scatter chart needs at least two customers and one feature.")
    positions = sample_positions(len(features), max_points=max_points, seed=seed)
    sample = features.iloc[positions]
    sample_labels = np.asarray(labels)[positions]
    encoded = (encode or _encode)(sample)
    n_components = min(2, encoded.shape[1], len(sample))
    pca = PCA(n_components=n_components, random_state=seed)
    points = pca.fit_transform(encoded)
    if n_components == 1:
        points = np.hstack([points, np.zeros((len(points), 1))])
    ratios = [*pca.explained_variance_ratio_.tolist(), 0.0]
    traces = []
    for index, label in enumerate(sorted(set(sample_labels.tolist()))):
        mask = sample_labels == label
        traces.append(
            go.Scattergl(
                x=points[mask, 0].round(4).tolist(),
                y=points[mask, 1].round(4).tolist(),
                mode="markers",
                name=names.get(int(label), f"Cluster {label}"),
                marker={"size": 5, "opacity": 0.7, "color": PALETTE[index % len(PALETTE)]},
            )
        )
    shown = f"{len(positions):,} of {population or len(features):,} customers"
    figure = go.Figure(
        data=traces,
        layout=_layout(
            f"Customer segments (PCA, {shown})",
            xaxis={"title": {"text": f"PC1 ({ratios[0] * 100:.1f}% of variance)"}},
            yaxis={"title": {"text": f"PC2 ({ratios[1] * 100:.1f}% of variance)"}},
            legend={"title": {"text": "Segment"}},
        ),
    )
    return _as_dict(figure)


def distribution_chart(clusters: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar chart of customers per cluster (`[{"label", "name", "size"}]`), with percentages: a
    bar's own `percentage` when given (the table beside it computed it), else its share of the
    bars' total."""
    if not clusters:
        raise ChartInputError("The run has no clusters to draw.")
    total = sum(c["size"] for c in clusters) or 1
    shares = [c.get("percentage", c["size"] * 100 / total) for c in clusters]
    figure = go.Figure(
        data=[
            go.Bar(
                x=[c["name"] for c in clusters],
                y=[c["size"] for c in clusters],
                text=[f"{number_text(share, PERCENT_DECIMALS)}%" for share in shares],
                textposition="auto",
                marker={"color": [PALETTE[i % len(PALETTE)] for i in range(len(clusters))]},
            )
        ],
        layout=_layout(
            "Customers per segment",
            xaxis={"title": {"text": "Segment"}},
            yaxis={"title": {"text": "Customers"}},
        ),
    )
    return _as_dict(figure)


def elbow_chart(
    *, ks: list[int], inertias: list[float], silhouettes: list[float], chosen_k: int | None = None
) -> dict[str, Any]:
    """Inertia (elbow) and silhouette score against the number of clusters, on two axes."""
    if not ks or len(ks) != len(inertias) or len(ks) != len(silhouettes):
        raise ChartInputError("The elbow chart needs one inertia and one silhouette score per k.")
    figure = go.Figure(
        data=[
            go.Scatter(x=ks, y=inertias, mode="lines+markers", name="Inertia (elbow)"),
            go.Scatter(
                x=ks, y=silhouettes, mode="lines+markers", name="Silhouette score", yaxis="y2"
            ),
        ],
        layout=_layout(
            "Choosing the number of segments",
            xaxis={"title": {"text": "Number of clusters (k)"}, "dtick": 1},
            yaxis={"title": {"text": "Inertia"}},
            yaxis2={"title": {"text": "Silhouette score"}, "overlaying": "y", "side": "right"},
            legend={"x": 0.5, "y": 1.12, "orientation": "h", "xanchor": "center"},
        ),
    )
    if chosen_k is not None:
        figure.add_vline(x=chosen_k, line_dash="dash", annotation_text=f"k = {chosen_k}")
    return _as_dict(figure)


def correlation_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlation of the numeric columns (pairwise complete rows)."""
    numeric = frame.select_dtypes(include="number")
    if numeric.shape[1] < 2:
        raise ChartInputError("A correlation heatmap needs at least two numeric columns.")
    return numeric.corr()


def correlation_heatmap(matrix: pd.DataFrame) -> dict[str, Any]:
    """Heatmap of a correlation matrix, -1 blue to +1 red, values written in the cells."""
    values = matrix.to_numpy(dtype=float).round(3).tolist()
    figure = go.Figure(
        data=[
            go.Heatmap(
                z=values,
                x=[str(c) for c in matrix.columns],
                y=[str(c) for c in matrix.index],
                zmin=-1,
                zmax=1,
                colorscale="RdBu",
                reversescale=True,
                text=values,
                texttemplate="%{text:.2f}",
            )
        ],
        layout=_layout("Feature correlation", yaxis={"autorange": "reversed"}),
    )
    return _as_dict(figure)


def profile_chart(profiles: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Radar chart comparing cluster means (`{name: {feature: mean}}`). Each feature is scaled
    0-1 across clusters so features of different units share the axes; hover shows real means."""
    if not profiles:
        raise ChartInputError("The run has no cluster profiles to compare.")
    table = pd.DataFrame(profiles).T.apply(pd.to_numeric, errors="coerce")
    table = table.dropna(axis=1, how="all")
    if table.empty:
        raise ChartInputError("The cluster profiles have no numeric features to compare.")
    low, high = table.min(), table.max()
    scaled = (table - low) / (high - low).replace(0, 1)
    features = [str(c) for c in table.columns]
    traces = []
    for index, (name, row) in enumerate(scaled.iterrows()):
        real = table.loc[name]
        traces.append(
            go.Scatterpolar(
                r=[*row.fillna(0).round(4).tolist(), round(float(row.fillna(0).iloc[0]), 4)],
                theta=[*features, features[0]],
                name=str(name),
                fill="toself",
                opacity=0.6,
                line={"color": PALETTE[index % len(PALETTE)]},
                customdata=[*real.round(2).tolist(), round(float(real.iloc[0]), 2)],
                hovertemplate="%{theta}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    figure = go.Figure(
        data=traces,
        layout=_layout(
            "Segment profiles (each feature scaled 0-1 across segments)",
            polar={"radialaxis": {"visible": True, "range": [0, 1]}},
        ),
    )
    return _as_dict(figure)


def feature_importance_chart(importance: dict[str, float]) -> dict[str, Any]:
    """Horizontal bars of feature importance, most important on top."""
    if not importance:
        raise ChartInputError("The run has no feature importance to draw.")
    ordered = sorted(importance.items(), key=lambda item: item[1])
    figure = go.Figure(
        data=[
            go.Bar(
                x=[round(float(v), 4) for _, v in ordered],
                y=[str(k) for k, _ in ordered],
                orientation="h",
            )
        ],
        layout=_layout(
            "What separates the segments",
            xaxis={"title": {"text": "Importance"}},
            margin={"l": 160},
        ),
    )
    return _as_dict(figure)


def transition_sankey(
    *,
    old_title: str,
    new_title: str,
    old_segments: list[dict[str, Any]],
    new_segments: list[dict[str, Any]],
    transitions: list[dict[str, Any]],
) -> dict[str, Any]:
    """Sankey diagram of a run comparison: the old run's segments on the left, the new run's on
    the right, a band per transition (`[{"from_label", "to_label", "customers"}]`) as wide as
    its customers; customers who entered come from a node of their own, customers who left go
    to one. Segments are `[{"label", "name", "left" | "entered", "matched_to"}]`."""
    if not old_segments or not new_segments:
        raise ChartInputError("The comparison has no segments to draw.")
    old_index = {s["label"]: i for i, s in enumerate(old_segments)}
    offset = len(old_segments)
    new_index = {s["label"]: offset + i for i, s in enumerate(new_segments)}
    labels = [f"{old_title}: {s['name']}" for s in old_segments]
    labels += [f"{new_title}: {s['name']}" for s in new_segments]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(old_segments))]
    # A new segment wears the colour of the old segment it continues; one without a match, a
    # colour of its own.
    spare = len(old_segments)
    for segment in new_segments:
        if segment.get("matched_to") in old_index:
            colours.append(colours[old_index[segment["matched_to"]]])
        else:
            colours.append(PALETTE[spare % len(PALETTE)])
            spare += 1
    sources, targets, values, link_colours = [], [], [], []
    for t in transitions:
        sources.append(old_index[t["from_label"]])
        targets.append(new_index[t["to_label"]])
        values.append(int(t["customers"]))
        link_colours.append(_translucent(colours[old_index[t["from_label"]]]))
    entered = [(s["label"], int(s.get("entered") or 0)) for s in new_segments]
    if any(count for _, count in entered):
        labels.append(f"Not in {old_title} (entered)")
        colours.append("#bbbbbb")
        for label, count in entered:
            if count:
                sources.append(len(labels) - 1)
                targets.append(new_index[label])
                values.append(count)
                link_colours.append("rgba(150,150,150,0.35)")
    left = [(s["label"], int(s.get("left") or 0)) for s in old_segments]
    if any(count for _, count in left):
        labels.append(f"Not in {new_title} (left)")
        colours.append("#bbbbbb")
        for label, count in left:
            if count:
                sources.append(old_index[label])
                targets.append(len(labels) - 1)
                values.append(count)
                link_colours.append("rgba(150,150,150,0.35)")
    if not values:
        raise ChartInputError("No customer is in either run: nothing flows.")
    figure = go.Figure(
        data=[
            go.Sankey(
                arrangement="snap",
                node={"label": labels, "color": colours, "pad": 18, "thickness": 16},
                link={"source": sources, "target": targets, "value": values, "color": link_colours},
                valueformat=",d",
                valuesuffix=" customers",
            )
        ],
        layout=_layout(f"Where the customers of {old_title} went in {new_title}"),
    )
    return _as_dict(figure)


def _translucent(colour: str, alpha: float = 0.4) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
