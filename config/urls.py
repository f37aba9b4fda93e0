"""Every route of the service. Each app owns its routes in `<app>/api/urls.py` (the contract paths
of the seed documents live there too); pages are composed in `config/pages/urls.py` from each
app's `<app>/pages/urls.py`."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerOauthRedirectView,
    SpectacularSwaggerView,
)

from config.api.docs import RedocView

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    # Swagger UI's OAuth 2.0 log-in lands here (its default oauth2RedirectUrl).
    path(
        "api/docs/oauth2-redirect.html",
        SpectacularSwaggerOauthRedirectView.as_view(),
        name="swagger-oauth-redirect",
    ),
    path("oauth/", include("accounts.oauth.urls")),
    path("account/", include("accounts.pages.urls")),
    path("", include("accounts.api.urls")),
    path("", include("datasets.api.urls")),
    path("", include("clustering.api.urls")),
    path("", include("profiles.api.urls")),
    path("", include("reports.api.urls")),
    # After the JSON admin API (/admin/users, /admin/stats), which the accounts routes serve.
    path("admin/", admin.site.urls),
    # Pages last: every API route above wins (config/pages/urls.py keeps pages under /app/).
    path("", include("config.pages.urls")),
]

# API clients get JSON errors, never an HTML page or a traceback (config/api/errors.py).
handler404 = "config.api.errors.not_found"
handler500 = "config.api.errors.server_error"
