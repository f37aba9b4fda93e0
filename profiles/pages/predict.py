"""Predict one customer's segment with the published segmentation, and the user's history."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from config.errors import DomainError
from config.pages.access import posted
from config.pages.errors import add_service_errors, form_page
from profiles.forms import PredictForm
from profiles.models import CustomerProfile
from profiles.predictor.model import ArtifactError
from profiles.selectors import prediction_list, published_features_get
from profiles.services import PredictionResult, predict

HISTORY_PAGE_SIZE = 20


def history_page(request: HttpRequest):
    """One page of the caller's predictions, newest first."""
    history = prediction_list(user=request.user).select_related("profile")
    return Paginator(history, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def predict_page(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: predict, show the answer and its confidence above the history."""
    try:
        published = published_features_get(user=request.user)
    except ArtifactError as exc:
        published, unavailable = None, str(exc)
    else:
        unavailable = (
            "" if published else "No segmentation is published yet, so nothing can be predicted."
        )
    form = PredictForm(posted(request)[0], features=published.features if published else ())
    result = None
    if published and request.method == "POST" and form.is_valid():
        try:
            result = predict(user=request.user, records=[form.record()], explain=True)[0]
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    return predict_answer_page(request, form=form, result=result, unavailable=unavailable)


def predict_answer_page(
    request: HttpRequest,
    *,
    form: PredictForm,
    result: PredictionResult | None,
    unavailable: str = "",
    profile: CustomerProfile | None = None,
) -> HttpResponse:
    """The predict page with an answer (its confidence, warnings and why this segment) above
    the history; for a saved `profile`, the answer of that profile (nothing to save again)."""
    context = {
        "form": form,
        "unavailable": unavailable,
        "result": result,
        "profile": profile,
        "save_query": urlencode(form.record()) if result and profile is None else "",
        "history": history_page(request),
    }
    return form_page(request, "profiles/predict.html", context)
