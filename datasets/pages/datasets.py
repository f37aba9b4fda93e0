"""Dataset pages: list and upload (with upload progress), detail (quality report, warnings,
statistics, correlation heatmap, editable column roles; for a purchase log, the button that
derives its customer table, and that table's jobs). Choosing k is a clustering page
(`clustering/pages/choose_k.py`)."""

from typing import Any

import pandas as pd
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clustering.selectors import run_list
from clustering.services.drift import dataset_drift_for_page
from config.errors import DomainError
from config.numbers import number_text
from config.pages.access import analyst_required, posted
from config.pages.assets import plotly_url
from config.pages.errors import add_service_errors
from config.pages.figures import chart_or_none
from datasets.forms import ColumnRolesForm, CustomerTableForm, DatasetUploadForm
from datasets.models import CustomerTableJob, Dataset
from datasets.selectors import customer_table_job_list, dataset_get, dataset_list
from datasets.services import (
    customer_table_create,
    dataset_columns_update,
    dataset_create_from_upload,
)
from reports import charts

DATASETS_PAGE_SIZE = 20
STATISTICS_COLUMNS = 60  # the statistics table lists at most this many columns (wide files)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _form_errors_json(form: DatasetUploadForm, status: int) -> JsonResponse:
    errors = {field or "__all__": [str(e) for e in errs] for field, errs in form.errors.items()}
    return JsonResponse({"errors": errors}, status=status)


@analyst_required
def dataset_list_page(request: HttpRequest) -> HttpResponse:
    """GET: the caller's datasets and the upload form. POST (a form or an XHR upload with a
    progress bar): store the file; errors come back next to the form (JSON for XHR)."""
    form = DatasetUploadForm(*posted(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                dataset, created = dataset_create_from_upload(
                    owner=request.user,
                    uploaded_file=form.cleaned_data["file"],
                    name=form.cleaned_data["name"] or None,
                )
            except (ValidationError, DomainError) as exc:
                add_service_errors(form, exc, aliases={"file": "file", "name": "name"})
                status = getattr(exc, "status", 400)
            else:
                note = "uploaded" if created else "already uploaded: this is the same file"
                messages.success(request, f"Dataset “{dataset.name}” {note}.")
                url = reverse("pages:dataset-detail", args=[dataset.pk])
                if _wants_json(request):
                    return JsonResponse({"redirect": url}, status=201 if created else 200)
                return redirect(url)
        if _wants_json(request):
            return _form_errors_json(form, status)
    page = Paginator(dataset_list(user=request.user), DATASETS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "datasets/dataset_list.html", {"form": form, "page": page}, status=status
    )


# The order people read a column's figures in; the stored JSON keeps no order (PostgreSQL's
# jsonb sorts keys by length), so the page imposes it. Figures not listed here follow.
STATISTICS_ORDER = ("kind", "count", "mean", "std", "min", "25%", "50%", "75%", "max")
STATISTICS_ORDER += ("unique", "top", "freq")
QUALITY_ORDER = (
    "format",
    "encoding",
    "delimiter",
    "total_rows",
    "total_columns",
    "numeric_columns",
    "categorical_columns",
    "datetime_columns",
    "id_columns",
    "total_missing",
    "duplicate_rows",
    "duplicate_ids",
    "memory_usage_mb",
)
QUALITY_LABELS = {"memory_usage_mb": "Memory usage (MB)", "id_columns": "Id columns"}


def _ordered(keys, order: tuple[str, ...]) -> list[str]:
    """`keys` in `order`, any others after them in their own order."""
    rank = {key: position for position, key in enumerate(order)}
    return sorted(keys, key=lambda key: rank.get(key, len(order)))


def statistics_table(
    statistics: dict[str, dict[str, Any]], schema: list[dict] | None = None
) -> dict[str, Any]:
    """{"headers": [...], "rows": [(column, [values...])], "more": n} from `Dataset.statistics`
    (ingest's `{column name: {figure: value}}`): rows in the file's column order (`schema`),
    figures in STATISTICS_ORDER; nested figures (top values) are left out."""
    statistics = statistics or {}
    names = [column.get("name") for column in schema or [] if column.get("name") in statistics]
    names += [name for name in statistics if name not in names]
    rows = [(name, statistics[name]) for name in names[:STATISTICS_COLUMNS]]
    headers: list[str] = []
    for _, values in rows:
        headers.extend(
            key
            for key, value in values.items()
            if key not in headers and not isinstance(value, dict | list)
        )
    headers = _ordered(headers, STATISTICS_ORDER)
    return {
        "headers": headers,
        "rows": [
            (name, [number_text(values.get(key)) for key in headers]) for name, values in rows
        ],
        "more": max(0, len(statistics) - STATISTICS_COLUMNS),
    }


def quality_items(report: dict) -> tuple[list[tuple[str, str]], list[str]]:
    """(figures of the quality report as (label, value) in QUALITY_ORDER, warnings as
    sentences)."""
    if not isinstance(report, dict):
        return [], []
    warnings = [
        warning.get("message", str(warning)) if isinstance(warning, dict) else str(warning)
        for warning in report.get("warnings") or []
    ]
    keys = [
        key
        for key, value in report.items()
        if key != "warnings" and not isinstance(value, dict | list)
    ]
    figures = [
        (QUALITY_LABELS.get(key, key.replace("_", " ").capitalize()), number_text(report[key]))
        for key in _ordered(keys, QUALITY_ORDER)
    ]
    return figures, warnings


def missing_cells(schema: list[dict], statistics: dict[str, dict]) -> dict[str, Any]:
    """How many cells are missing and what a clustering run does with them, one sentence per
    column with gaps ("177 missing cells will be filled with the column's median (41)"), as the
    engine does: numbers get the column's median, a missing category counts as none of the
    categories, other kinds are not clustered unless chosen."""
    total = 0
    sentences = []
    for column in schema or []:
        count = int(column.get("missing") or 0)
        if not count:
            continue
        total += count
        cells = f"{number_text(count)} missing {'cell' if count == 1 else 'cells'}"
        name = column.get("name")
        if column.get("kind") == "numeric":
            median = (statistics or {}).get(name, {}).get("50%")
            value = f" ({number_text(median)})" if median is not None else ""
            sentences.append(
                f"{name}: {cells} will be filled with the column's median{value} when clustering."
            )
        elif column.get("kind") == "categorical":
            sentences.append(
                f"{name}: {cells} will count as none of the column's values when clustering; "
                "segment reports show these customers as “Unknown”."
            )
        else:
            sentences.append(f"{name}: {cells}; this column is clustered only when you choose it.")
    return {"total": total, "total_text": number_text(total), "columns": sentences}


DRIFT_LEVEL_TEXT = {"stable": "Stable", "moderate": "Moderate drift", "major": "Major drift"}


def drift_view(found: dict[str, Any]) -> dict[str, Any]:
    """The drift section's figures as text: the badge, per feature its PSI and level, per
    segment its published and predicted shares (percent, one decimal) and the change in points."""
    drift = found.get("drift")
    if not drift:
        return found
    features = [
        {
            "name": feature["name"],
            "kind": feature["kind"],
            "psi": number_text(feature["psi"], 2),
            "level": feature["level"],
            "level_text": DRIFT_LEVEL_TEXT[feature["level"]],
        }
        for feature in sorted(drift["features"], key=lambda f: -f["psi"])
    ]
    segments = [
        {
            "name": segment["name"],
            "published": f"{number_text(segment['published_share'], 1)} %",
            "new": f"{number_text(segment['new_share'], 1)} %",
            "shift": ("+" if segment["shift_points"] > 0 else "")
            + number_text(segment["shift_points"], 1),
        }
        for segment in drift["segments"]
    ]
    return {
        **found,
        "status": drift["status"],
        "status_text": DRIFT_LEVEL_TEXT[drift["status"]],
        "features": features,
        "segments": segments,
        "run": drift["run"],
        "n_rows": number_text(drift["n_rows"]),
    }


def correlation_frame(correlation: dict) -> pd.DataFrame | None:
    """The stored correlation (`{"features": [...], "matrix": [[...]]}`) as a square frame;
    None when fewer than two numeric columns were correlated."""
    features = (correlation or {}).get("features") or []
    if len(features) < 2:
        return None
    return pd.DataFrame(correlation["matrix"], index=features, columns=features, dtype=float)


@analyst_required
def dataset_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Quality report, warnings, statistics, correlation heatmap and column roles."""
    dataset = dataset_get(user=request.user, pk=pk)
    roles_form = ColumnRolesForm(posted(request)[0], schema=dataset.schema)
    status = 200
    if request.method == "POST":
        status = 400
        if roles_form.is_valid():
            try:
                dataset_columns_update(dataset=dataset, roles=roles_form.roles())
            except (ValidationError, DomainError) as exc:
                add_service_errors(roles_form, exc)
            else:
                messages.success(request, "Column roles saved.")
                return redirect("pages:dataset-detail", pk=dataset.pk)
    return _detail_page(request, dataset, roles_form=roles_form, status=status)


def _detail_page(
    request: HttpRequest,
    dataset: Dataset,
    *,
    roles_form: ColumnRolesForm,
    table_form: CustomerTableForm | None = None,
    status: int = 200,
) -> HttpResponse:
    figures, warnings = quality_items(dataset.quality_report)
    matrix = correlation_frame(dataset.correlation)
    context = {
        "dataset": dataset,
        "columns": list(zip(dataset.schema, roles_form.visible_fields(), strict=True)),
        "roles_form": roles_form,
        "table_form": table_form or CustomerTableForm(),
        "table_jobs": customer_table_job_list(user=request.user).filter(source=dataset)[:5],
        "quality": figures,
        "warnings": warnings,
        "missing": missing_cells(dataset.schema, dataset.statistics),
        "statistics": statistics_table(dataset.statistics, dataset.schema),
        "correlation": chart_or_none(charts.correlation_heatmap, matrix)
        if matrix is not None
        else None,
        "runs": run_list(user=request.user).filter(dataset=dataset)[:10],
        "drift": drift_view(dataset_drift_for_page(user=request.user, dataset=dataset)),
        "plotly_url": plotly_url(),
    }
    return render(request, "datasets/dataset_detail.html", context, status=status)


@analyst_required
def dataset_customer_table_page(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: derive a customer table from the purchase log; opens the new dataset, or (a large
    log) the log's page with the job's progress. Errors show on the log's page (400)."""
    dataset = dataset_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("pages:dataset-detail", pk=dataset.pk)
    form = CustomerTableForm(request.POST)
    if form.is_valid():
        try:
            made = customer_table_create(
                user=request.user,
                dataset=dataset,
                as_of=form.cleaned_data["as_of"],
                name=form.cleaned_data["name"] or None,
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            if isinstance(made, CustomerTableJob):
                messages.success(
                    request, "The customer table is being built; this page shows its progress."
                )
                return redirect("pages:dataset-detail", pk=dataset.pk)
            messages.success(request, f"Customer table “{made.name}” made from the purchase log.")
            return redirect("pages:dataset-detail", pk=made.pk)
    roles_form = ColumnRolesForm(None, schema=dataset.schema)
    return _detail_page(request, dataset, roles_form=roles_form, table_form=form, status=400)
