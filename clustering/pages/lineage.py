"""The run page's "Compare with" section: another succeeded run of the same owner, the matched
segments, the movers' counts and a Sankey diagram of the transitions."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse

from clustering.models import ClusteringRun
from clustering.selectors import comparison_view, run_get, run_list
from clustering.services import run_comparison_get_or_start
from config.errors import DomainError
from config.numbers import number_text
from config.pages.figures import chart_or_none
from reports.charts import transition_sankey

MAX_CHOICES = 200
SHIFTS_SHOWN = 3


def compare_choices(*, user, run: ClusteringRun) -> list[ClusteringRun]:
    """The caller's other succeeded runs of the same owner's datasets, newest first."""
    return list(
        run_list(user=user)
        .filter(dataset__owner_id=run.dataset.owner_id, status=ClusteringRun.Status.SUCCEEDED)
        .exclude(pk=run.pk)[:MAX_CHOICES]
    )


def _shifts(centroid_shift: dict[str, float]) -> str:
    largest = sorted(centroid_shift.items(), key=lambda item: -abs(item[1]))[:SHIFTS_SHOWN]
    return ", ".join(
        f"{name} {'+' if value > 0 else ''}{number_text(value)}" for name, value in largest
    )


def comparison_notes(
    *, run: ClusteringRun, other: ClusteringRun, features: list[str] | None
) -> list[str]:
    """What a reader must know before trusting the matches: runs of two datasets follow
    customers by their ids only, and runs without a common feature have no centre shifts."""
    notes = []
    if run.dataset_id != other.dataset_id:
        first, second = sorted((run, other), key=lambda r: (r.created_at, r.pk))
        notes.append(
            f"Run {first.pk} segments “{first.dataset.name}” and run {second.pk} "
            f"“{second.dataset.name}”, two different datasets: customers are followed by their "
            "ids, so the comparison means something only if an id names the same customer in both."
        )
    if not features:
        notes.append("The runs share no feature, so their segments' centres cannot be compared.")
    return notes


def compare_context(request: HttpRequest, run: ClusteringRun) -> dict[str, Any]:
    """The section's context for `?compare=<run id>`; nothing chosen, only the choices."""
    context: dict[str, Any] = {
        "compare_choices": compare_choices(user=request.user, run=run),
        "compare_selected": None,
        "comparison": None,
        "compare_error": "",
        "sankey": None,
    }
    chosen = request.GET.get("compare", "").strip()
    if not chosen:
        return context
    try:
        other = run_get(user=request.user, pk=chosen)
        context["compare_selected"] = other.pk
        comparison = run_comparison_get_or_start(user=request.user, run=run, other=other)
    except Http404:
        context["compare_error"] = f"Run {chosen} was not found among your runs."
        return context
    except (ValidationError, DomainError) as exc:
        context["compare_error"] = " ".join(getattr(exc, "messages", None) or [str(exc)])
        return context
    view = comparison_view(comparison)
    for pair in view["pairs"]:
        pair["jaccard_percent"] = None if pair["jaccard"] is None else pair["jaccard"] * 100
        pair["shifts"] = _shifts(pair["centroid_shift"])
    view["unmatched_old"] = [s for s in view["old_segments"] if s["matched_to"] is None]
    view["unmatched_new"] = [s for s in view["new_segments"] if s["matched_to"] is None]
    view["movers_csv_url"] = reverse(
        "clustering-api:run-compare-movers-csv", args=[view["old_run"], view["new_run"]]
    )
    view["notes"] = comparison_notes(run=run, other=other, features=view.get("features"))
    context["comparison"] = view
    if comparison.status == comparison.Status.SUCCEEDED:
        context["sankey"] = chart_or_none(
            transition_sankey,
            old_title=f"Run {view['old_run']}",
            new_title=f"Run {view['new_run']}",
            old_segments=view["old_segments"],
            new_segments=view["new_segments"],
            transitions=view["transitions"],
        )
    return context
