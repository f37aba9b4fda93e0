"""The canonical `/api/v1/predictions/` and `/api/v1/profiles/` (with
`POST /api/v1/profiles/{id}/predict/`)."""

from django.db.models import QuerySet
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from config.api.renderers import SafeJSONRenderer

from ...filters import CustomerProfileFilter, PredictionFilter
from ...models import CustomerProfile, Prediction
from ...selectors import prediction_list, profile_list
from ...services import predict, profile_create, profile_delete, profile_predict, profile_update
from ..renderers import PredictionJSONRenderer
from ..serializers import (
    PREDICTIONS_CREATE_SCHEMA,
    CustomerProfileSerializer,
    PredictionBatchSerializer,
    PredictionMadeSerializer,
    PredictionSerializer,
    prediction_resource,
    prediction_resources,
)
from .common import PREDICT_ERRORS, json_object


class PredictionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's recorded predictions; POST predicts one customer or a batch (`records`),
    recorded in one bulk insert."""

    serializer_class = PredictionSerializer
    filterset_class = PredictionFilter
    renderer_classes = [
        PredictionJSONRenderer,
        *(r for r in api_settings.DEFAULT_RENDERER_CLASSES if r is not SafeJSONRenderer),
    ]
    ordering_fields = ["created_at", "cluster", "confidence"]
    required_scope = "predict"

    def get_queryset(self) -> QuerySet[Prediction]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Prediction.objects.none()
        return prediction_list(user=self.request.user)

    @extend_schema(
        request={"application/json": PREDICTIONS_CREATE_SCHEMA},
        responses={
            201: PolymorphicProxySerializer(
                component_name="PredictionCreated",
                serializers=[PredictionMadeSerializer, PredictionBatchSerializer],
                resource_type_field_name=None,
            ),
            **PREDICT_ERRORS,
        },
        description="One customer (an object of features) answers one prediction; "
        '`{"records": [...]}` answers `{"count", "results"}`. The customers are described at '
        "`POST /predict`.",
    )
    def create(self, request: Request) -> Response:
        body = request.data
        if isinstance(body, dict) and "records" in body:
            records = body["records"]
            if not isinstance(records, list):
                raise ParseError("`records` must be a list of customers (JSON objects).")
            results = predict(user=request.user, records=records)
            return Response(
                {"count": len(results), "results": prediction_resources(results)},
                status=status.HTTP_201_CREATED,
            )
        result = predict(user=request.user, records=[json_object(body)])[0]
        return Response(prediction_resource(result), status=status.HTTP_201_CREATED)


class CustomerProfileViewSet(viewsets.ModelViewSet):
    """The caller's saved profiles; `POST {id}/predict/` segments one and records it."""

    serializer_class = CustomerProfileSerializer
    filterset_class = CustomerProfileFilter
    ordering_fields = ["created_at", "name", "age"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    @property
    def required_scope(self) -> str:
        return "predict" if getattr(self, "action", None) == "predict" else "profiles:write"

    def get_queryset(self) -> QuerySet[CustomerProfile]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return CustomerProfile.objects.none()
        return profile_list(user=self.request.user)

    def perform_create(self, serializer: CustomerProfileSerializer) -> None:
        serializer.instance = profile_create(owner=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: CustomerProfileSerializer) -> None:
        serializer.instance = profile_update(
            profile=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: CustomerProfile) -> None:
        profile_delete(profile=instance)

    @extend_schema(request=None, responses={201: PredictionMadeSerializer, **PREDICT_ERRORS})
    @action(detail=True, methods=["post"])
    def predict(self, request: Request, pk: int | None = None) -> Response:
        result = profile_predict(user=request.user, profile=self.get_object())
        return Response(prediction_resource(result), status=status.HTTP_201_CREATED)
