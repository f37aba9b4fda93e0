"""The `pages` URL namespace: log in and out, plotly.js, ReDoc's script, the favicon, and each app's
`<app>/pages/urls.py` (included after every API route in config/urls.py).

Log in, log out and the dashboard sit at the top; every other page lives under /app/, so no page
can shadow a contract path of the seed documents (/profiles/, /predict, /clusters...). The
account pages (/account/, namespace `accounts-pages`) are included from config/urls.py."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.pages import assets

app_name = "pages"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("app/assets/plotly-<str:version>.min.js", assets.plotly_js, name="plotly-js"),
    path("app/assets/redoc-<str:version>.standalone.js", assets.redoc_js, name="redoc-js"),
    path("favicon.ico", assets.favicon, name="favicon"),
    # Each app's pages, full paths in its own urls.py (dashboard, datasets, runs, exports...).
    path("", include("reports.pages.urls")),
    path("", include("datasets.pages.urls")),
    path("", include("clustering.pages.urls")),
    path("", include("profiles.pages.urls")),
]
