"""Exports: create one from a run (a background job), list them, download the ready ones."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clustering.selectors import run_get
from config.errors import DomainError
from config.pages.access import analyst_required
from config.pages.errors import message_errors
from reports.downloads import export_file_response
from reports.forms import ExportForm
from reports.models import Export
from reports.selectors import export_get, export_list
from reports.services import export_create

EXPORTS_PAGE_SIZE = 20


@analyst_required
@require_POST
def export_create_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue an export of one of the caller's runs, then show the exports list."""
    run = run_get(user=request.user, pk=pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an export format: CSV, JSON, HTML or XLSX.")
        return redirect("pages:run-detail", pk=run.pk)
    try:
        export = export_create(user=request.user, run=run, file_format=form.cleaned_data["format"])
    except (ValidationError, DomainError) as exc:
        message_errors(request, exc)
        return redirect("pages:run-detail", pk=run.pk)
    messages.success(request, f"Export of run {run.pk} ({export.get_format_display()}) started.")
    return redirect("pages:export-list")


@analyst_required
@require_GET
def export_list_page(request: HttpRequest) -> HttpResponse:
    """The caller's exports that have not expired, newest first."""
    exports = export_list(user=request.user)
    page = Paginator(exports, EXPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
    processing = any(export.status == Export.Status.PROCESSING for export in page.object_list)
    return render(request, "reports/export_list.html", {"page": page, "processing": processing})


@analyst_required
@require_GET
def export_download(request: HttpRequest, pk: str) -> HttpResponse:
    """The export's file; 409 while it is being built or after a failure, 410 once expired."""
    export = export_get(user=request.user, pk=pk)
    try:
        return export_file_response(export)
    except DomainError as exc:
        return _refusal(request, exc.status, exc.message)


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "refusal.html", {"message": message}, status=status)
