"""The project's routes plus two views that crash, to test the 500 answers."""

from django.urls import path
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

SECRET = "internal-detail-that-must-not-leak"


def crashing_django_view(request):
    raise RuntimeError(SECRET)


class CrashingApiView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    required_scope = None

    def get(self, request):
        raise RuntimeError(SECRET)


class NaNApiView(CrashingApiView):
    def get(self, request):
        return Response({"mean": float("nan"), "top": float("inf"), "rows": [1.5, float("-inf")]})


class InvalidApiView(CrashingApiView):
    def get(self, request):
        raise ValidationError(["Pick a smaller number.", "Or a larger one."])


urlpatterns = [
    path("api/invalid", InvalidApiView.as_view()),
    path("api/boom", CrashingApiView.as_view()),
    path("boom", crashing_django_view),
    path("api/nan", NaNApiView.as_view()),
    *project_urlpatterns,
]
__all__ = ["handler404", "handler500", "urlpatterns"]
