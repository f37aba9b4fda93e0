"""Forms of the account pages: API keys and OAuth applications. They check shape only; the
rules live in the services they feed."""

from datetime import UTC, datetime, time, timedelta

from django import forms
from django.utils import timezone
from oauth2_provider.models import get_application_model

from .scopes import ALL_SCOPES, READ_SCOPES, scopes_for_role

Application = get_application_model()

MAX_REDIRECT_URIS = 10  # a client with more is misconfigured, and the field is one text column


class ApiKeyCreateForm(forms.Form):
    """A key's name, its scopes (read-only by default) and an optional last day."""

    name = forms.CharField(max_length=100, help_text="What the key is for, e.g. “nightly export”.")
    scopes = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        help_text="What the key may do. Read-only scopes are chosen by default.",
        error_messages={"required": "Choose at least one scope."},
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Expires on (optional)",
        help_text="The key stops working at the end of this day (UTC). Empty: never expires.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = scopes_for_role(user.role)  # a scope never raises a role: offer only these
        self.fields["scopes"].choices = [
            (scope, f"{scope}: {words}") for scope, words in ALL_SCOPES.items() if scope in allowed
        ]
        self.fields["scopes"].initial = sorted(READ_SCOPES)

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.now().date():
            raise forms.ValidationError("Choose today or a later day.")
        return day

    def expires_at(self) -> datetime | None:
        """The end of the chosen day in UTC, or None."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(days=1)


class ApplicationCreateForm(forms.Form):
    """Register an OAuth client."""

    name = forms.CharField(max_length=255, help_text="Shown to users on the consent page.")
    authorization_grant_type = forms.ChoiceField(
        label="Who it acts for",
        widget=forms.RadioSelect,
        initial=Application.GRANT_AUTHORIZATION_CODE,
        choices=[
            (
                Application.GRANT_AUTHORIZATION_CODE,
                "Users who sign in and consent (authorization code with PKCE)",
            ),
            (
                Application.GRANT_CLIENT_CREDENTIALS,
                "Me, server to server (client credentials)",
            ),
        ],
    )
    client_type = forms.ChoiceField(
        label="Client type",
        widget=forms.RadioSelect,
        initial=Application.CLIENT_CONFIDENTIAL,
        choices=[
            (Application.CLIENT_CONFIDENTIAL, "Confidential: runs on a server and keeps a secret"),
            (Application.CLIENT_PUBLIC, "Public: runs in a browser or on a device; no secret"),
        ],
    )
    redirect_uris = forms.CharField(
        label="Redirect URIs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, matched exactly, e.g. https://app.example.com/callback. "
        "Needed for user sign-in; leave empty for server to server.",
    )

    def clean_redirect_uris(self) -> list[str]:
        uris = [line.strip() for line in self.cleaned_data["redirect_uris"].splitlines()]
        uris = [uri for uri in uris if uri]
        if len(uris) > MAX_REDIRECT_URIS:
            raise forms.ValidationError(f"Give at most {MAX_REDIRECT_URIS} redirect URIs.")
        if any(" " in uri for uri in uris):
            raise forms.ValidationError("A redirect URI cannot contain spaces.")
        return uris
