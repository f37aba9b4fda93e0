"""Run pages: the new-run form, run detail with live progress and a rename form per segment,
publish (a confirmation page showing what changes, then the POST), cancel, and the dendrogram
image. Every read goes through `clustering.selectors`, every write a service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clustering import engine
from clustering.features import default_features
from clustering.forms import ClusterRenameForm, RunCreateForm
from clustering.models import Cluster, ClusteringRun
from clustering.pages.lineage import compare_context
from clustering.selectors import cluster_list, publication_change, run_get
from clustering.services import (
    cluster_rename,
    names_carried_over,
    owner_published_run_get,
    run_cancel,
    run_create,
    run_publish,
)
from config.errors import DomainError
from config.numbers import PERCENT_DECIMALS, number_text
from config.pages.access import analyst_required, posted
from config.pages.assets import plotly_url
from config.pages.errors import add_service_errors, form_page, message_errors
from config.pages.figures import chart_or_none
from datasets.selectors import dataset_get
from reports.forms import ExportForm
from reports.selectors import chart_get

# One line each, for a reader who is not a statistician.
METRIC_EXPLANATIONS = {
    "silhouette": "How well each customer sits in its own segment rather than the nearest other "
    "one: from -1 to 1, higher is better; above 0.5 is a clear structure.",
    "davies_bouldin": "How much segments overlap with their most similar neighbour: 0 or more, "
    "lower is better.",
    "calinski_harabasz": "How far apart segments are compared with how spread out they are "
    "inside: higher is better.",
    "inertia": "Total squared distance of customers to their segment centre: lower is tighter, "
    "but it always falls as k grows.",
    "n_clusters": "How many segments the run found.",
    "smallest_segment_share": "Share of customers in the smallest segment, in percent: under 1 "
    "is a micro-segment, usually a handful of outliers.",
    "n_noise": "Customers DBSCAN left outside every segment (its noise group).",
    "noise_fraction": "Share of customers DBSCAN left outside every segment.",
    "bic": "Bayesian information criterion of the mixture: lower is a better fit for its size.",
    "aic": "Akaike information criterion of the mixture: lower is a better fit.",
    "cophenetic": "How faithfully the tree keeps the original distances: closer to 1 is better.",
    "accuracy": "How often a classifier trained on the segments puts a held-out customer in the "
    "same segment: higher means the segments are easy to tell apart.",
    "sample_size": "Rows the expensive scores were computed on (a random sample of large data).",
}


METRIC_LABELS = {
    "silhouette": "Silhouette",
    "davies_bouldin": "Davies-Bouldin index",
    "calinski_harabasz": "Calinski-Harabasz index",
    "n_clusters": "Segments",
    "smallest_segment_share": "Smallest segment",
    "n_noise": "Noise customers",
    "noise_fraction": "Noise share",
    "bic": "BIC",
    "aic": "AIC",
    "cophenetic": "Cophenetic correlation",
}
# Shares in percent, written like the segment cards' shares ("13.2%").
PERCENT_METRICS = {"smallest_segment_share"}
# Noise exists only for DBSCAN; a zero there says nothing about other algorithms' runs.
HIDDEN_WHEN_ZERO = {"n_noise", "noise_fraction"}


def _metric_key(name: str) -> str:
    return name.lower().removesuffix("_score").removesuffix("_index")


def metric_rows(metrics: dict) -> tuple[list[dict], list[dict]]:
    """(the metrics a reader should know, each explained in one line; every other scalar figure
    the engine recorded). Aliases of one metric (`silhouette`, `silhouette_score`) show once."""
    explained: dict[str, dict] = {}
    others = []
    for name, value in (metrics or {}).items():
        if isinstance(value, dict | list) or value is None:
            continue
        key = _metric_key(name)
        if key in HIDDEN_WHEN_ZERO and not value:
            continue
        shown = (
            f"{number_text(value, PERCENT_DECIMALS)}%"
            if key in PERCENT_METRICS
            else number_text(value)
        )
        label = METRIC_LABELS.get(key) or name.replace("_", " ").capitalize()
        row = {"name": label, "value": shown}
        if key in METRIC_EXPLANATIONS:
            explained.setdefault(key, {**row, "explanation": METRIC_EXPLANATIONS[key]})
        else:
            others.append(row)
    ordered = [explained[key] for key in METRIC_EXPLANATIONS if key in explained]
    return ordered, others


RUN_CHARTS = ("distribution", "scatter", "profiles", "feature_importance")


def run_figures(run: ClusteringRun) -> dict[str, dict | None]:
    """The run's charts from `reports.selectors.chart_get` (sampled, cached per run)."""
    return {name: chart_or_none(chart_get, run=run, name=name) for name in RUN_CHARTS}


@analyst_required
def run_create_page(request: HttpRequest, dataset_pk: int) -> HttpResponse:
    """GET: the new-run form for one of the caller's datasets; POST: queue the run."""
    dataset = dataset_get(user=request.user, pk=dataset_pk)
    columns = [column["name"] for column in dataset.schema]
    initial = {"features": default_features(schema=dataset.schema)}
    if "k" in request.GET:
        initial["n_clusters"] = request.GET["k"]
    form = RunCreateForm(posted(request)[0], feature_choices=columns, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            run = run_create(dataset=dataset, user=request.user, **form.run_arguments())
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Run {run.pk} is queued.")
            return redirect("pages:run-detail", pk=run.pk)
    return form_page(request, "clustering/run_form.html", {"dataset": dataset, "form": form})


@analyst_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Status, progress, metrics, cluster cards and charts of one of the caller's runs."""
    return _run_detail_page(request, run_get(user=request.user, pk=pk))


def _run_detail_page(
    request: HttpRequest, run: ClusteringRun, *, refused: Cluster | None = None
) -> HttpResponse:
    """The run page; `refused` is a segment whose rename was refused (its form shows the name
    typed and why, and the page answers 400)."""
    succeeded = run.status == ClusteringRun.Status.SUCCEEDED
    clusters = list(cluster_list(run=run)) if succeeded else []
    for cluster in clusters:
        if refused is not None and cluster.label == refused.label:
            cluster.rename_value = refused.rename_value
            cluster.rename_errors = refused.rename_errors
    context = {
        "run": run,
        "active": run.status in ClusteringRun.ACTIVE_STATUSES,
        "clusters": clusters,
        "metrics": metric_rows(run.metrics) if succeeded else ([], []),
        "has_dendrogram": bool((run.model_artifact or {}).get("dendrogram")),
        "figures": run_figures(run) if clusters else {},
        "export_form": ExportForm(),
        "plotly_url": plotly_url(),
    }
    if succeeded:
        context.update(compare_context(request, run))
    status = 400 if refused is not None else 200
    return render(request, "clustering/run_detail.html", context, status=status)


@analyst_required
@require_POST
def run_cluster_rename_page(request: HttpRequest, pk: str, label: str) -> HttpResponse:
    """Rename one segment of the run; back on the run page, at the segment, or the run page
    again with the refusal next to the segment's form."""
    run = run_get(user=request.user, pk=pk)
    form = ClusterRenameForm(request.POST)
    name = form.cleaned_data["name"] if form.is_valid() else request.POST.get("name", "")
    try:
        cluster = cluster_rename(run=run, label=label, name=name, by=request.user)
    except ValidationError as exc:
        refused = Cluster(run=run, label=int(label))
        refused.rename_value = name
        refused.rename_errors = exc.messages  # the sentences, without the field's key
        return _run_detail_page(request, run, refused=refused)
    messages.success(request, f"Segment {cluster.label} is now called “{cluster.name}”.")
    return redirect(reverse("pages:run-detail", args=[run.pk]) + f"#cluster-{cluster.label}")


@analyst_required
@require_GET
def run_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The run's status, progress (0-100) and stage, for the page's progress bar."""
    run = run_get(user=request.user, pk=pk)
    return JsonResponse(
        {
            "status": run.status,
            "status_display": run.get_status_display(),
            "progress": run.progress,
            "stage": run.stage,
            "error": run.error,
            "finished": run.status not in ClusteringRun.ACTIVE_STATUSES,
        }
    )


@analyst_required
@require_http_methods(["GET", "POST"])
def run_publish_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what publishing the run changes for every user (the published segments now next to
    this run's), with Publish and Cancel; POST: publish it, then back to the run page."""
    run = run_get(user=request.user, pk=pk)
    if request.method == "GET":
        publishable = run.status == ClusteringRun.Status.SUCCEEDED
        change = publication_change(run=run, user=request.user)
        if publishable and not change["is_current"]:
            # Segments continuing the owner's published ones take their names on publication.
            previous = owner_published_run_get(run=run)
            carried, _ = names_carried_over(run=run, previous=previous)
            for segment in change["segments"]:
                if segment["label"] in carried:
                    segment["was"] = segment["name"]
                    segment["name"] = carried[segment["label"]]
            change["carried"] = len(carried)
            change["carried_from"] = previous
        context = {"run": run, "change": change, "publishable": publishable}
        return render(request, "clustering/run_publish.html", context)
    try:
        run_publish(run=run, user=request.user)
    except (ValidationError, DomainError) as exc:
        message_errors(request, exc)
    else:
        messages.success(request, f"Run {run.pk} is now the published segmentation.")
    return redirect("pages:run-detail", pk=run.pk)


@analyst_required
@require_POST
def run_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a queued or running run."""
    run = run_get(user=request.user, pk=pk)
    try:
        run_cancel(run=run)
    except DomainError as exc:
        message_errors(request, exc)
    else:
        messages.success(request, f"Run {run.pk} is being cancelled.")
    return redirect("pages:run-detail", pk=run.pk)


@analyst_required
@require_GET
def run_dendrogram(request: HttpRequest, pk: int) -> HttpResponse:
    """The hierarchical run's dendrogram as a PNG (drawn by the engine from the artifact)."""
    run = run_get(user=request.user, pk=pk)
    if run.status != ClusteringRun.Status.SUCCEEDED or not (run.model_artifact or {}).get(
        "dendrogram"
    ):
        raise Http404(f"Run {run.pk} has no dendrogram: only finished hierarchical runs do.")
    response = HttpResponse(engine.dendrogram_png(run.model_artifact), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"  # a finished run never changes
    return response
