"""URL routes of the datasets API."""

app_name = "datasets-api"

urlpatterns: list = []
