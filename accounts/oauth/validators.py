"""DOT's request validator with the service's account rules on top:

- a deactivated user's authorization codes and refresh tokens are refused (`invalid_grant`);
- the client credentials grant acts for the application's owner: its tokens belong to the owner
  (so roles, scopes and throttles apply as for the owner), and an application without an
  active owner gets `unauthorized_client`.
"""

from oauth2_provider.oauth2_validators import OAuth2Validator


def _is_active(user) -> bool:
    return user is not None and user.is_active


class AccountOAuth2Validator(OAuth2Validator):
    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        if grant_type == "client_credentials" and not _is_active(client.user):
            return False
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        return valid and _is_active(request.user)

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and _is_active(request.user)

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        if request.grant_type == "client_credentials":
            # DOT leaves these tokens without a user; ours act for the application's owner.
            request.user = request.client.user
        return super()._create_access_token(
            expires, request, token, source_refresh_token=source_refresh_token
        )
