"""Account pages (session log-in, CSRF): API keys, connected apps and, for analysts and admins,
their OAuth applications. Each view validates, calls one service or selector and renders.
A secret (an API key, a client secret) is rendered once, in the POST response, never cached;
afterwards only its prefix or nothing is shown. Another user's object answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ApiKeyCreateForm, ApplicationCreateForm
from accounts.oauth import selectors as oauth_selectors
from accounts.oauth import services as oauth_services
from accounts.selectors import api_key_get, api_key_list
from accounts.services import api_key_create, api_key_revoke
from config.pages.errors import add_service_errors, form_page


def _require_analyst(request: HttpRequest) -> None:
    if not request.user.is_analyst:
        raise PermissionDenied("Registering applications needs the analyst or admin role.")


# --- API keys -----------------------------------------------------------------------------------
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_key_list_view(request: HttpRequest) -> HttpResponse:
    """The user's keys; POST creates one and shows it this once."""
    form = ApiKeyCreateForm(request.POST or None, user=request.user)
    created = raw_key = None
    if form.is_bound and form.is_valid():
        try:
            created, raw_key = api_key_create(
                owner=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except ValidationError as error:
            add_service_errors(form, error, aliases={"expires_at": "expires_on"})
        else:
            form = ApiKeyCreateForm(user=request.user)
    context = {
        "form": form,
        "keys": api_key_list(owner=request.user),
        "created": created,
        "raw_key": raw_key,
    }
    return form_page(request, "accounts/api_keys.html", context)


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's keys; it stops working at once."""
    key = api_key_get(owner=request.user, pk=pk)
    api_key_revoke(key=key)
    messages.success(request, f"The key “{key.name}” is revoked: it no longer works.")
    return redirect("accounts-pages:api-keys")


# --- Connected apps -----------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def connected_app_list_view(request: HttpRequest) -> HttpResponse:
    """The applications the user authorized, with their scopes."""
    context = {"connected": oauth_selectors.connected_app_list(user=request.user)}
    return render(request, "accounts/connected_apps.html", context)


@login_required
@require_POST
def connected_app_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """End every token the user gave this application."""
    application = oauth_selectors.connected_app_get(user=request.user, pk=pk)
    oauth_services.authorization_revoke(user=request.user, application=application)
    messages.success(request, f"“{application.name}” can no longer use your account.")
    return redirect("accounts-pages:connected-apps")


# --- My applications (analysts and admins) ------------------------------------------------------
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def application_list_view(request: HttpRequest) -> HttpResponse:
    """The user's OAuth clients; POST registers one and shows its secret this once."""
    _require_analyst(request)
    form = ApplicationCreateForm(request.POST or None)
    created = secret = None
    if form.is_bound and form.is_valid():
        try:
            created, secret = oauth_services.application_create(
                owner=request.user,
                name=form.cleaned_data["name"],
                redirect_uris=form.cleaned_data["redirect_uris"],
                client_type=form.cleaned_data["client_type"],
                grant_type=form.cleaned_data["authorization_grant_type"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = ApplicationCreateForm()
    context = {
        "form": form,
        "applications": oauth_selectors.application_list(user=request.user),
        "created": created,
        "secret": secret,
    }
    return form_page(request, "accounts/applications.html", context)


@never_cache
@login_required
@require_http_methods(["GET"])
def application_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the user's clients: its id, type, redirect URIs; rotate the secret or delete."""
    _require_analyst(request)
    application = oauth_selectors.application_get(user=request.user, pk=pk)
    return render(request, "accounts/application_detail.html", {"application": application})


@never_cache
@login_required
@require_POST
def application_rotate_secret_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new secret for a confidential client, shown this once; the old one stops at once."""
    _require_analyst(request)
    application = oauth_selectors.application_get(user=request.user, pk=pk)
    try:
        secret = oauth_services.application_secret_rotate(application=application)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts-pages:application-detail", pk=application.pk)
    context = {"application": application, "secret": secret}
    return render(request, "accounts/application_detail.html", context)


@login_required
@require_POST
def application_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's clients and every token it holds."""
    _require_analyst(request)
    application = oauth_selectors.application_get(user=request.user, pk=pk)
    oauth_services.application_delete(application=application)
    messages.success(request, f"“{application.name}” is deleted; its tokens no longer work.")
    return redirect("accounts-pages:applications")
