"""The first page after logging in: datasets, recent runs, the published segmentation."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clustering.selectors import cluster_list, published_run_get, run_list
from datasets.selectors import dataset_list

DASHBOARD_ITEMS = 5  # a glance, not a list: the full lists are one click away


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Datasets and recent runs (analysts), and the published segmentation (everyone)."""
    user = request.user
    published = published_run_get(user=user)
    context = {
        "published": published,
        "clusters": cluster_list(run=published) if published else [],
        "datasets": dataset_list(user=user)[:DASHBOARD_ITEMS] if user.is_analyst else [],
        "runs": run_list(user=user)[:DASHBOARD_ITEMS] if user.is_analyst else [],
    }
    return render(request, "reports/dashboard.html", context)
