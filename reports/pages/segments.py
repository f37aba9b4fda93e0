"""Everyone's pages over the published segmentation: the segment explorer (seven segment types
as tabs, a sortable table and a chart) and the customer look-up by id."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clustering.selectors import published_run_get
from config.errors import DomainError
from profiles.selectors import customer_segment_get
from reports import charts
from reports.forms import CustomerLookupForm
from reports.segments import SEGMENT_TYPES, SegmentInputError
from reports.selectors import segment_view

from .assets import plotly_url
from .errors import user_errors
from .figures import chart_or_none

SEGMENT_TYPE_LABELS = {
    "cluster": "Clusters",
    "gender": "Gender",
    "region": "Region",
    "age_group": "Age group",
    "income_bracket": "Income bracket",
    "purchase_tier": "Purchase tier",
    "clv": "Lifetime value",
}
TAB_ORDER = ("cluster", *(name for name in SEGMENT_TYPES if name != "cluster"))
CLUSTER_NESTED = ("demographics", "financial_metrics", "behavioral_metrics")


def segment_rows(records: list[dict[str, Any]], *, segment_type: str) -> dict[str, Any]:
    """Headers and rows of the explorer table: nested figures of cluster records flattened,
    lists and dicts left out (they do not fit a cell)."""
    flat = []
    for record in records:
        row = {}
        for key, value in record.items():
            if segment_type == "cluster" and key in CLUSTER_NESTED and isinstance(value, dict):
                row.update({k: v for k, v in value.items() if not isinstance(v, dict | list)})
            elif not isinstance(value, dict | list) and key not in (
                "segment_name",
                "cluster_label",
            ):
                row[key] = value
        flat.append(row)
    headers: list[str] = []
    for row in flat:
        headers.extend(key for key in row if key not in headers)
    return {
        "headers": [(key, key.replace("_", " ").capitalize()) for key in headers],
        "rows": [[row.get(key) for key in headers] for row in flat],
    }


def _segment_chart(records: list[dict[str, Any]], *, segment_type: str) -> dict | None:
    if segment_type == "cluster":
        bars = [
            {"label": r["cluster_id"], "name": r["cluster_name"], "size": r["customer_count"]}
            for r in records
        ]
    else:
        bars = [
            {"label": i, "name": r["segment_name"], "size": r["total_customers"]}
            for i, r in enumerate(records)
        ]
    return chart_or_none(charts.distribution_chart, bars)


@login_required
@require_GET
def segment_explorer(request: HttpRequest) -> HttpResponse:
    """One tab per segment type over the published run; a type the data cannot give says why."""
    segment_type = request.GET.get("type", "cluster")
    if segment_type not in SEGMENT_TYPES:
        segment_type = "cluster"
    run = published_run_get(user=request.user)
    context: dict[str, Any] = {
        "run": run,
        "segment_type": segment_type,
        "tabs": [(name, SEGMENT_TYPE_LABELS.get(name, name)) for name in TAB_ORDER],
        "type_label": SEGMENT_TYPE_LABELS.get(segment_type, segment_type),
        "plotly_url": plotly_url(),
    }
    if run is not None:
        try:
            records = segment_view(run=run, segment_type=segment_type)
        except SegmentInputError as exc:
            context["unavailable"] = str(exc)
        else:
            context["table"] = segment_rows(records, segment_type=segment_type)
            context["chart"] = _segment_chart(records, segment_type=segment_type)
    return render(request, "reports/segments.html", context)


SEGMENT_LABELS = {
    "cluster_label": "Cluster",
    "cluster_id": "Cluster id",
    "gender": "Gender",
    "region": "Region",
    "age_group": "Age group",
    "income_bracket": "Income bracket",
    "purchase_tier": "Purchase tier",
    "clv_tier": "Lifetime value tier",
    "calculated_clv": "Lifetime value",
}


@login_required
@require_GET
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """Find one customer of the published segmentation by id: its cluster, its rule-based
    segments and insights. An unknown id or nothing published is said next to the form."""
    form = CustomerLookupForm(request.GET if "customer_id" in request.GET else None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        try:
            customer = customer_segment_get(
                user=request.user,
                external_id=form.cleaned_data["customer_id"],
                include_insights=True,
            )
        except Http404 as exc:
            form.add_error("customer_id", str(exc))
            status = 404
        except DomainError as exc:
            for message in user_errors(exc):
                form.add_error(None, message)
            status = exc.status
        else:
            context["customer"] = customer
            context["segments"] = [
                (SEGMENT_LABELS.get(key, key), value)
                for key, value in customer["segments"].items()
                if value is not None
            ]
    elif form.is_bound:
        status = 400
    return render(request, "reports/customer_lookup.html", context, status=status)
