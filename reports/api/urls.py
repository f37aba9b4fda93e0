"""URL routes of the reports API."""

app_name = "reports-api"

urlpatterns: list = []
