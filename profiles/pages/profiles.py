"""Saved customer profiles: list, create, edit, delete, and "segment this profile"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.errors import DomainError
from config.pages.access import posted
from config.pages.errors import add_service_errors, form_page, message_errors
from profiles.forms import PredictForm, ProfileForm
from profiles.predictor.model import ArtifactError
from profiles.selectors import (
    PublishedFeatures,
    feature_value,
    profile_get,
    profile_list,
    profile_record,
    published_features_get,
)
from profiles.services import profile_create, profile_delete, profile_predict, profile_update

from .predict import predict_answer_page

PROFILES_PAGE_SIZE = 20


@login_required
def profile_list_page(request: HttpRequest) -> HttpResponse:
    """The caller's profiles, newest first, each with its values and the published
    segmentation's features it has no value for (it cannot be segmented until edited)."""
    profiles = profile_list(user=request.user)
    page = Paginator(profiles, PROFILES_PAGE_SIZE).get_page(request.GET.get("page"))
    published, _ = _published(request)
    rows = []
    for profile in page.object_list:
        record = profile_record(profile=profile)
        missing = [
            feature.label
            for feature in (published.features if published else ())
            if feature_value(record, feature) is None
        ]
        rows.append({"profile": profile, "record": record, "missing": missing})
    context = {"page": page, "rows": rows, "published": published}
    return render(request, "profiles/profile_list.html", context)


def _published(request: HttpRequest) -> tuple[PublishedFeatures | None, str]:
    """The published segmentation's features, or why there are none to ask for."""
    try:
        published = published_features_get(user=request.user)
    except ArtifactError as exc:
        return None, str(exc)
    return published, "" if published else "No segmentation is published yet."


@login_required
def profile_create_page(request: HttpRequest) -> HttpResponse:
    """A new profile asking for exactly the published segmentation's features; GET parameters
    prefill it (the predict page's "save as profile"). With nothing published there is no form:
    a profile could not be segmented."""
    published, unavailable = _published(request)
    if published is None:
        return render(
            request, "profiles/profile_form.html", {"creating": True, "unavailable": unavailable}
        )
    if request.method == "POST":
        form = ProfileForm(request.POST, features=published.features)
        if form.is_valid():
            try:
                profile = profile_create(owner=request.user, **form.profile_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Profile “{profile.name}” saved.")
                return redirect("pages:profile-list")
    else:
        form = ProfileForm(features=published.features)
        form.initial = {name: request.GET[name] for name in form.fields if name in request.GET}
    context = {"form": form, "creating": True, "published": published}
    return form_page(request, "profiles/profile_form.html", context)


@login_required
def profile_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one of the caller's profiles (anyone else's answers 404): its name, notes and the
    published segmentation's features (only the name and notes while nothing is published)."""
    profile = profile_get(user=request.user, pk=pk)
    published, unavailable = _published(request)
    features = published.features if published else ()
    data = posted(request)[0]
    form = ProfileForm(
        data, features=features, initial=ProfileForm.initial_of(profile, features=features)
    )
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(
                profile=profile, **form.profile_fields(extra_features=profile.extra_features)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Profile “{profile.name}” updated.")
            return redirect("pages:profile-list")
    context = {
        "form": form,
        "profile": profile,
        "published": published,
        "unavailable": unavailable,
    }
    return form_page(request, "profiles/profile_form.html", context)


@login_required
def profile_delete_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: ask to confirm; POST: delete (its predictions stay in the history)."""
    profile = profile_get(user=request.user, pk=pk)
    if request.method == "POST":
        name = profile.name
        profile_delete(profile=profile)
        messages.success(request, f"Profile “{name}” deleted.")
        return redirect("pages:profile-list")
    return render(request, "profiles/profile_confirm_delete.html", {"profile": profile})


@login_required
@require_POST
def profile_segment_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Segment a saved profile with the published segmentation; the answer joins the history."""
    profile = profile_get(user=request.user, pk=pk)
    try:
        result = profile_predict(user=request.user, profile=profile, explain=True)
        published = published_features_get(user=request.user)
    except (ValidationError, DomainError, ArtifactError) as exc:
        message_errors(request, exc, prefix=f"“{profile.name}” could not be segmented: ")
        return redirect("pages:profile-list")
    # The answer (confidence, warnings, why this segment) beside the profile's values.
    values = {
        name: int(value) if isinstance(value, float) and value.is_integer() else value
        for name, value in profile_record(profile=profile).items()
    }
    form = PredictForm(initial=values, features=published.features)
    return predict_answer_page(request, form=form, result=result, profile=profile)
