"""DOT's scopes backend: the scopes of `accounts/scopes.py`, read-only ones by default."""

from oauth2_provider.scopes import BaseScopes

from accounts.scopes import ALL_SCOPES, READ_SCOPES


class AccountScopes(BaseScopes):
    """Every scope may be requested; a request without `scope` gets the read-only ones. What a
    token may really do is capped by its user's role when it is used (`granted_scopes`)."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(ALL_SCOPES)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return list(ALL_SCOPES)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return sorted(READ_SCOPES)
