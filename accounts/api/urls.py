"""URL routes of the accounts API."""

app_name = "accounts-api"

urlpatterns: list = []
