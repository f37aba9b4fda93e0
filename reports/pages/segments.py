"""The segment explorer over the published segmentation: seven segment types as tabs, a
sortable table and a chart."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clustering.selectors import published_run_get
from config.pages.assets import plotly_url
from config.pages.figures import chart_or_none
from reports import charts
from reports.segments import SEGMENT_TYPES, SegmentInputError
from reports.selectors import segment_view

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
