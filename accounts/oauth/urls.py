"""OAuth 2.0 endpoints under /oauth/ (namespace `oauth2_provider`, as DOT expects): authorize
(the consent page), token, revoke_token (RFC 7009), introspect (RFC 7662) and the RFC 8414
metadata. DOT's own management pages are not mounted: ours live in accounts/pages/."""

from django.urls import path
from oauth2_provider import views as dot_views

from . import views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", views.ConsentView.as_view(), name="authorize"),
    path("token/", dot_views.TokenView.as_view(), name="token"),
    path("revoke_token/", views.RevokeView.as_view(), name="revoke-token"),
    path("introspect/", views.IntrospectView.as_view(), name="introspect"),
    path(
        ".well-known/oauth-authorization-server",
        dot_views.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
]
