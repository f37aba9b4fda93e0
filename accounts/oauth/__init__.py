"""OAuth 2.0 for third-party apps, built on django-oauth-toolkit (DOT): the authorization code
grant with PKCE, refresh-token rotation, revocation (RFC 7009), introspection (RFC 7662) and the
client credentials grant for server-to-server apps acting for their owner. Tokens carry the
scopes of `accounts/scopes.py`, the same ones API keys carry.

This package is imported by the settings (`pkce.py`): nothing here may import models at module
level except the modules DOT and Django load after setup."""
