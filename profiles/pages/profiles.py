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
from profiles.forms import ProfileForm
from profiles.selectors import profile_get, profile_list
from profiles.services import profile_create, profile_delete, profile_predict, profile_update

PROFILES_PAGE_SIZE = 20


@login_required
def profile_list_page(request: HttpRequest) -> HttpResponse:
    """The caller's profiles, newest first, with their latest segment."""
    profiles = profile_list(user=request.user)
    page = Paginator(profiles, PROFILES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "profiles/profile_list.html", {"page": page})


@login_required
def profile_create_page(request: HttpRequest) -> HttpResponse:
    """A new profile; GET parameters prefill it (the predict page's "save as profile")."""
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                profile = profile_create(owner=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Profile “{profile.name}” saved.")
                return redirect("pages:profile-list")
    else:
        prefill = {
            name: request.GET[name] for name in ProfileForm.Meta.fields if name in request.GET
        }
        form = ProfileForm(initial=prefill)
    return form_page(request, "profiles/profile_form.html", {"form": form, "creating": True})


@login_required
def profile_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one of the caller's profiles (anyone else's answers 404)."""
    profile = profile_get(user=request.user, pk=pk)
    form = ProfileForm(posted(request)[0], instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(profile=profile, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Profile “{profile.name}” updated.")
            return redirect("pages:profile-list")
    return form_page(request, "profiles/profile_form.html", {"form": form, "profile": profile})


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
        result = profile_predict(user=request.user, profile=profile)
    except (ValidationError, DomainError) as exc:
        message_errors(request, exc, prefix=f"“{profile.name}” could not be segmented: ")
    else:
        messages.success(
            request,
            f"“{profile.name}” belongs to {result.cluster_name} "
            + (
                f"({result.confidence:.0f}% confidence)."
                if not result.confidence_note
                else f"— {result.confidence_note}"
            ),
        )
        for warning in result.warnings:
            messages.warning(request, f"“{profile.name}”: {warning}")
    return redirect("pages:predict")
