"""The canonical `/api/v1/predictions/` and `/api/v1/profiles/` (with
`POST /api/v1/profiles/{id}/predict/`)."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from config.api.renderers import SafeJSONRenderer
from config.api.schema import ERROR_SCHEMA
from config.errors import Conflict

from ...explanations import run_customer_get
from ...filters import CustomerProfileFilter, PredictionFilter
from ...models import CustomerProfile, Prediction
from ...selectors import prediction_list, profile_list, published_features_get
from ...services import (
    NOTHING_PUBLISHED,
    predict,
    profile_create,
    profile_delete,
    profile_predict,
    profile_update,
)
from ..explanation import EXPLAIN_PARAMETER, explain_requested
from ..renderers import PredictionJSONRenderer
from ..serializers import (
    PREDICTIONS_CREATE_SCHEMA,
    CustomerProfileSerializer,
    PredictionMadeBatchSerializer,
    PredictionMadeSerializer,
    PredictionSerializer,
    PublishedFeaturesSerializer,
    RunCustomerSerializer,
    prediction_resource,
    prediction_resources,
)
from .common import ERROR_RESPONSE_409, PREDICT_ERRORS, json_object

ERROR_RESPONSE_NOT_FINISHED = OpenApiResponse(
    response=ERROR_SCHEMA, description="The run has no model yet (queued, running or failed)."
)


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
        parameters=[EXPLAIN_PARAMETER],
        responses={
            201: PolymorphicProxySerializer(
                component_name="PredictionMadeOrBatch",
                serializers=[PredictionMadeSerializer, PredictionMadeBatchSerializer],
                resource_type_field_name=None,
            ),
            **PREDICT_ERRORS,
        },
        description="One customer (an object of features) answers one prediction; "
        '`{"records": [...]}` answers `{"count", "results"}`. The customers are described at '
        "`POST /predict`. `explanation` says why each customer's segment: on one customer unless "
        "`?explain=false`, on a batch when `?explain=true`.",
    )
    def create(self, request: Request) -> Response:
        body = request.data
        batch = isinstance(body, dict) and "records" in body
        explain = explain_requested(request, default=not batch)
        if batch:
            records = body["records"]
            if not isinstance(records, list):
                raise ParseError("`records` must be a list of customers (JSON objects).")
            results = predict(user=request.user, records=records, explain=explain)
            return Response(
                {"count": len(results), "results": prediction_resources(results, explain=explain)},
                status=status.HTTP_201_CREATED,
            )
        result = predict(user=request.user, records=[json_object(body)], explain=explain)[0]
        return Response(
            prediction_resource(result, explain=explain), status=status.HTTP_201_CREATED
        )


class CustomerProfileViewSet(viewsets.ModelViewSet):
    """The caller's saved profiles; `POST {id}/predict/` segments one and records it."""

    serializer_class = CustomerProfileSerializer
    filterset_class = CustomerProfileFilter
    ordering_fields = ["created_at", "name", "age"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    @property
    def required_scope(self) -> str:
        action = getattr(self, "action", None)
        return "predict" if action in ("predict", "features") else "profiles:write"

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

    @extend_schema(
        responses={200: PublishedFeaturesSerializer, 409: ERROR_RESPONSE_409},
        description="The features a profile must give to be segmented by the published "
        "segmentation: names, kinds, the categories and ranges seen in training. 409 while "
        "nothing is published.",
    )
    @action(detail=False, methods=["get"])
    def features(self, request: Request) -> Response:
        published = published_features_get(user=request.user)
        if published is None:
            raise Conflict(NOTHING_PUBLISHED)
        return Response(PublishedFeaturesSerializer(published).data)

    @extend_schema(
        request=None,
        parameters=[EXPLAIN_PARAMETER],
        responses={201: PredictionMadeSerializer, **PREDICT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def predict(self, request: Request, pk: int | None = None) -> Response:
        explain = explain_requested(request)
        result = profile_predict(user=request.user, profile=self.get_object(), explain=explain)
        return Response(
            prediction_resource(result, explain=explain), status=status.HTTP_201_CREATED
        )


class RunCustomerView(APIView):
    """`GET /api/v1/runs/{id}/customers/{customer_id}/`: one customer of one of the caller's
    runs (another user's run is 404), with its segment and why."""

    required_scope = "customers:read"

    @extend_schema(
        operation_id="runs_customer_retrieve",
        responses={200: RunCustomerSerializer, 409: ERROR_RESPONSE_NOT_FINISHED},
        description="The customer is found by its id in the run's dataset (exactly, then "
        "without surrounding spaces, then regardless of case when that names one customer). "
        "`explanation`: the runner-up segment, the margin and the three features that most pull "
        "the customer towards its segment.",
    )
    def get(self, request: Request, pk: int, customer_id: str) -> Response:
        customer = run_customer_get(user=request.user, run_pk=pk, external_id=customer_id)
        return Response(RunCustomerSerializer(customer).data)
