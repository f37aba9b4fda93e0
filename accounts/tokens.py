"""JWTs of the service. Both tokens carry document 003's claims (`user_id`, `email`, `roles`,
`iat`, `exp`) plus `token_version`: bumping `User.token_version` refuses every token issued
before (see `accounts.authentication.JWTAuthentication`)."""

from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from .models import User

TOKEN_VERSION_CLAIM = "token_version"  # noqa: S105 (a claim name, not a secret)


def _add_user_claims(token: Token, *, user: User) -> Token:
    token["email"] = user.email
    token["roles"] = [user.role]
    token[TOKEN_VERSION_CLAIM] = user.token_version
    return token


class ServiceRefreshToken(RefreshToken):
    """A refresh token (recorded as outstanding, so it can be blacklisted) with our claims; the
    access token derived from it copies them."""

    @classmethod
    def for_user(cls, user: User) -> "ServiceRefreshToken":
        return _add_user_claims(super().for_user(user), user=user)


class ServiceAccessToken(AccessToken):
    """An access token alone, for document 004's login, which hands out no refresh token."""

    @classmethod
    def for_user(cls, user: User) -> "ServiceAccessToken":
        return _add_user_claims(super().for_user(user), user=user)
