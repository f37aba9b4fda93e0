"""Plotly figures of a run (`chart_get`), built from its stored results and dataset, sampled, and
cached per (run, chart, published version)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from clustering import engine
from clustering.models import ClusteringRun
from clustering.selectors import cluster_list
from config.errors import Conflict
from datasets.selectors import dataset_population_frame

from .. import charts
from .assignments import UNASSIGNED, run_labels, run_labels_of_rows
from .cache import cache_key, cached
from .runs import cluster_names


def _clusters_for_chart(run: ClusteringRun) -> list[dict[str, Any]]:
    return [{"label": c.label, "name": c.name, "size": c.size} for c in cluster_list(run=run)]


SCATTER_SAMPLE_ROWS = 20_000  # of a table above one process; the chart draws fewer points still


def _scatter(run: ClusteringRun) -> dict[str, Any]:
    features = list(run.features or [])
    if not features:
        raise charts.ChartInputError("The run records no features to place customers by.")
    frame, sampled = dataset_population_frame(
        dataset=run.dataset, columns=features, sample_rows=SCATTER_SAMPLE_ROWS, row_numbers=True
    )
    if sampled:  # a table above one process: an even sample of its rows and their labels
        labels = run_labels_of_rows(run=run, rows=frame.index.to_numpy())
    else:
        labels = run_labels(run=run, n_rows=len(frame))
    keep = labels != UNASSIGNED
    names = cluster_names(run=run)
    return charts.scatter_chart(
        frame[keep],
        labels=labels[keep],
        names=names,
        encode=_model_space(run),
        population=int(run.dataset.n_rows) if sampled else None,
    )


def _model_space(run: ClusteringRun):
    """The run's stored model as the scatter's encoder: customers placed in the space they were
    clustered in, so log-scaled heavy tails do not stretch the picture; None (the chart's plain
    standardisation) for a run without a stored model."""
    if not run.model_artifact:
        return None
    model = engine.load_model(run.model_artifact)
    return model.transform


def _sweep_from_metrics(metrics: dict[str, Any]) -> dict[str, list] | None:
    """The k sweep a run recorded, under any of the names the engine uses for it."""
    for key in ("k_sweep", "elbow", "sweep"):
        sweep = metrics.get(key)
        if isinstance(sweep, dict):
            ks = sweep.get("ks") or sweep.get("k") or sweep.get("k_values")
            inertias = sweep.get("inertias") or sweep.get("inertia")
            silhouettes = sweep.get("silhouettes") or sweep.get("silhouette_scores")
            if isinstance(silhouettes, dict):
                silhouettes = [silhouettes.get(str(k)) for k in ks or []]
            if ks and inertias and silhouettes:
                return {
                    "ks": list(ks),
                    "inertias": list(inertias),
                    "silhouettes": list(silhouettes),
                }
    return None


ELBOW_SAMPLE_ROWS = 20_000  # the curve's shape is settled well before this; 1M rows take minutes


def _elbow(run: ClusteringRun) -> dict[str, Any]:
    sweep = _sweep_from_metrics(run.metrics or {})
    if sweep is None:
        from clustering import engine  # the engine's own sweep, on a sample, when the run has none

        features = list(run.features or [])
        frame, _ = dataset_population_frame(
            dataset=run.dataset, columns=features or None, sample_rows=ELBOW_SAMPLE_ROWS
        )
        if len(frame) > ELBOW_SAMPLE_ROWS:
            frame = frame.iloc[charts.sample_positions(len(frame), max_points=ELBOW_SAMPLE_ROWS)]
        try:
            result = engine.sweep_k(
                frame.reset_index(drop=True),
                schema=run.dataset.schema,
                features=features or None,
                k_max=min(10, max(2, len(frame) - 1)),
                random_state=0,
            )
        except engine.EngineInputError as exc:
            raise charts.ChartInputError(str(exc)) from exc
        sweep = {
            "ks": list(result.k_values),
            "inertias": list(result.inertias),
            "silhouettes": list(result.silhouettes),
        }
    chosen = (run.parameters or {}).get("n_clusters")
    return charts.elbow_chart(**sweep, chosen_k=chosen)


def _correlation(run: ClusteringRun) -> dict[str, Any]:
    schema = run.dataset.schema or []
    numeric = [c["name"] for c in schema if c.get("kind") == "numeric"]
    frame, _ = dataset_population_frame(dataset=run.dataset, columns=numeric or None)
    return charts.correlation_heatmap(charts.correlation_matrix(frame))


def _profiles(run: ClusteringRun) -> dict[str, Any]:
    profiles = {}
    for cluster in cluster_list(run=run):
        means = cluster.centroid or (cluster.profile or {}).get("mean_values") or {}
        numeric = {k: v for k, v in means.items() if isinstance(v, int | float)}
        if numeric:
            profiles[cluster.name] = numeric
    return charts.profile_chart(profiles)


def _feature_importance(run: ClusteringRun) -> dict[str, Any]:
    importance = run.feature_importance or {}
    if isinstance(importance, list):
        importance = {i.get("feature"): i.get("importance") for i in importance}
    return charts.feature_importance_chart(
        {str(k): float(v) for k, v in importance.items() if isinstance(v, int | float)}
    )


CHART_BUILDERS = {
    "scatter": _scatter,
    "distribution": lambda run: charts.distribution_chart(_clusters_for_chart(run)),
    "elbow": _elbow,
    "correlation": _correlation,
    "profiles": _profiles,
    "feature_importance": _feature_importance,
}


def chart_get(*, run: ClusteringRun, name: str) -> dict[str, Any]:
    """One Plotly figure of the run (cached per run, chart and published version). Raises
    Http404 for an unknown chart name and `charts.ChartInputError` when there is nothing to draw."""
    chart = name.replace("-", "_")
    builder = CHART_BUILDERS.get(chart)
    if builder is None:
        raise Http404(f"No chart named '{name}'; charts are {', '.join(charts.CHART_NAMES)}.")
    if run.status != ClusteringRun.Status.SUCCEEDED:
        raise Conflict(f"Run {run.pk} is {run.status}; charts exist once it has succeeded.")
    key = cache_key(run=run, kind="chart", name=chart)
    return cached(key, lambda: builder(run))
