"""Choosing k for a dataset: elbow and silhouette by number of segments, and the recommended k."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clustering.selectors import dataset_k_sweep
from config.errors import DomainError
from config.pages.access import analyst_required
from config.pages.assets import plotly_url
from config.pages.errors import user_errors
from config.pages.figures import chart_or_none
from datasets.selectors import dataset_get
from reports import charts


@analyst_required
def choose_k_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Elbow and silhouette by k on the dataset's default features, with the recommended k
    (the sweep is sampled above SYNC_CLUSTER_MAX_ROWS rows and cached)."""
    dataset = dataset_get(user=request.user, pk=pk)
    context: dict[str, Any] = {"dataset": dataset, "plotly_url": plotly_url()}
    try:
        sweep = dataset_k_sweep(dataset=dataset)
    except (ValidationError, DomainError) as exc:
        context["errors"] = user_errors(exc)
        return render(request, "clustering/choose_k.html", context, status=400)
    context["sweep"] = sweep
    context["rows"] = list(
        zip(
            sweep["k_range"],
            sweep["inertias"],
            sweep["silhouette_scores"],
            sweep["davies_bouldin_scores"],
            strict=True,
        )
    )
    context["chart"] = chart_or_none(
        charts.elbow_chart,
        ks=sweep["k_range"],
        inertias=sweep["inertias"],
        silhouettes=sweep["silhouette_scores"],
        chosen_k=sweep["optimal_k"],
    )
    return render(request, "clustering/choose_k.html", context)
