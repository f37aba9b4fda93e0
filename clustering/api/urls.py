"""URL routes of the clustering API."""

app_name = "clustering-api"

urlpatterns: list = []
