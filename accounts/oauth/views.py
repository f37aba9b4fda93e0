"""The OAuth 2.0 endpoints: DOT's views with the consent page's context, audit lines and an
introspection endpoint that answers a client only about its own tokens."""

import base64
import binascii
import hashlib
from urllib.parse import unquote

from django.http import JsonResponse
from oauth2_provider import views as dot_views
from oauth2_provider.models import get_access_token_model

from accounts.scopes import ALL_SCOPES

from .audit import audit_event


class ConsentView(dot_views.AuthorizationView):
    """GET shows the consent page (templates/oauth2_provider/authorize.html); POST with `allow`
    redirects with a code, without it with `error=access_denied` (and `state`, untouched)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        requested = set(context.get("scopes") or [])
        context["scope_items"] = [(s, words) for s, words in ALL_SCOPES.items() if s in requested]
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_event(
            "oauth.consent_given" if form.cleaned_data.get("allow") else "oauth.consent_denied",
            client_id=form.cleaned_data.get("client_id"),
            user_id=self.request.user.pk,
            scope=(form.cleaned_data.get("scope") or "").replace(" ", ","),
        )
        return response


class RevokeView(dot_views.RevokeTokenView):
    """RFC 7009: a client revokes one of its own access or refresh tokens."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            audit_event("oauth.token_revoked", client_id=_client_id(request) or "-")
        return response


class IntrospectView(dot_views.IntrospectTokenView):
    """RFC 7662 for an authenticated client: a token issued to another client is reported
    `{"active": false}`, so one client learns nothing about another's users."""

    def get(self, request, *args, **kwargs):
        return self._answer(request, request.GET.get("token"))

    def post(self, request, *args, **kwargs):
        return self._answer(request, request.POST.get("token"))

    def _answer(self, request, token_value):
        client_id = _client_id(request)
        if token_value is not None and client_id:
            checksum = hashlib.sha256(token_value.encode("utf-8")).hexdigest()
            own = get_access_token_model().objects.filter(
                token_checksum=checksum, application__client_id=client_id
            )
            if not own.exists():
                return JsonResponse({"active": False})
        return self.get_token_response(token_value)


def _client_id(request) -> str | None:
    """The client id from HTTP Basic (RFC 6749 2.3.1) or the form body."""
    kind, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return unquote(decoded.partition(":")[0]) or None
    return request.POST.get("client_id") or None
