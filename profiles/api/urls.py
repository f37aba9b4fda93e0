"""URL routes of the profiles API."""

app_name = "profiles-api"

urlpatterns: list = []
