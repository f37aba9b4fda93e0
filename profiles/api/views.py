"""Predictions, history, saved profiles and the customer look-up.

Document 004: `POST /predict`, `GET /history`, `/profiles/`, `/profiles/{id}`.
Document 003: `GET /api/customers/{id}/segment` (its envelope). Canonical: `/api/v1/predictions/`,
`/api/v1/profiles/` (with `POST /api/v1/profiles/{id}/predict/`)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from config.api.envelope import envelope
from config.api.renderers import SafeJSONRenderer
from config.api.schema import ERROR_SCHEMA

from ..filters import CustomerProfileFilter, PredictionFilter
from ..models import CustomerProfile, Prediction
from ..selectors import customer_segment_get, prediction_list, profile_get, profile_list
from ..services import predict, profile_create, profile_delete, profile_predict, profile_update
from .renderers import PredictionJSONRenderer
from .serializers import (
    CUSTOMER_SCHEMA,
    PREDICT_RESPONSE_SCHEMA,
    PREDICTIONS_CREATE_SCHEMA,
    CustomerProfileSerializer,
    CustomerSegmentQuerySerializer,
    CustomerSegmentSerializer,
    HistoryItemSerializer,
    HistorySerializer,
    MessageSerializer,
    PredictionBatchSerializer,
    PredictionSerializer,
    SkipLimitInputSerializer,
    predict_answer,
    prediction_resource,
    prediction_resources,
)

DOC004_EXAMPLE = {
    "sex": "Male",
    "age": 35,
    "annual_income": 65.0,
    "spending_score": 75,
    "purchase_frequency": 12,
}
ERROR_RESPONSE_409 = OpenApiResponse(
    response=ERROR_SCHEMA, description="No segmentation is published yet: publish one first."
)
PREDICT_ERRORS = {
    409: ERROR_RESPONSE_409,
    422: OpenApiResponse(
        response=ERROR_SCHEMA,
        description="A customer field is missing or out of range: one list of messages per "
        'field (a batch: `{"records": {"<index>": {...}}}`).',
    ),
}
SKIP_LIMIT_PARAMETERS = [
    OpenApiParameter("skip", int, description="Records to skip (default 0)."),
    OpenApiParameter("limit", int, description="Records to return, 1-500 (default 50)."),
]


def _json_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ParseError("Send one customer as a JSON object.")
    return data


def _skip_limit(request: Request) -> tuple[int, int]:
    query = SkipLimitInputSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["skip"], query.validated_data["limit"]


class PredictView(APIView):
    """Document 004 `POST /predict`: the customer's segment with the published segmentation,
    recorded in the caller's history."""

    required_scope = "predict"

    @extend_schema(
        request={"application/json": CUSTOMER_SCHEMA},
        responses={200: PREDICT_RESPONSE_SCHEMA, **PREDICT_ERRORS},
        examples=[OpenApiExample("Document 004", value=DOC004_EXAMPLE, request_only=True)],
        description="Predict the segment of one customer with the published segmentation. "
        "422 names each missing or invalid field; 409 when no segmentation is published yet.",
    )
    def post(self, request: Request) -> Response:
        result = predict(user=request.user, records=[_json_object(request.data)])[0]
        return Response(predict_answer(result))


class HistoryView(APIView):
    """Document 004 `GET /history`: the caller's predictions, newest first, with the total."""

    required_scope = "predict"

    @extend_schema(parameters=SKIP_LIMIT_PARAMETERS, responses=HistorySerializer)
    def get(self, request: Request) -> Response:
        skip, limit = _skip_limit(request)
        history = prediction_list(user=request.user)
        page = history[skip : skip + limit]
        return Response(
            {"history": HistoryItemSerializer(page, many=True).data, "total": history.count()}
        )


class ProfileListView(APIView):
    """Document 004 `POST /profiles/` and `GET /profiles/` (skip, limit): own profiles only."""

    required_scope = "profiles:write"

    @extend_schema(
        operation_id="doc004_profiles_list",
        parameters=SKIP_LIMIT_PARAMETERS,
        responses=CustomerProfileSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        skip, limit = _skip_limit(request)
        profiles = profile_list(user=request.user)[skip : skip + limit]
        return Response(CustomerProfileSerializer(profiles, many=True).data)

    @extend_schema(
        operation_id="doc004_profiles_create",
        request=CustomerProfileSerializer,
        responses={201: CustomerProfileSerializer},
    )
    def post(self, request: Request) -> Response:
        data = CustomerProfileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = profile_create(owner=request.user, **data.validated_data)
        return Response(CustomerProfileSerializer(profile).data, status=status.HTTP_201_CREATED)


class ProfileDetailView(APIView):
    """Document 004 `GET, PUT, DELETE /profiles/{id}`: someone else's profile is 404."""

    required_scope = "profiles:write"

    @extend_schema(operation_id="doc004_profiles_retrieve", responses=CustomerProfileSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(CustomerProfileSerializer(profile_get(user=request.user, pk=pk)).data)

    @extend_schema(
        operation_id="doc004_profiles_update",
        request=CustomerProfileSerializer,
        responses=CustomerProfileSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        profile = profile_get(user=request.user, pk=pk)
        data = CustomerProfileSerializer(profile, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        profile = profile_update(profile=profile, **data.validated_data)
        return Response(CustomerProfileSerializer(profile).data)

    @extend_schema(operation_id="doc004_profiles_destroy", responses=MessageSerializer)
    def delete(self, request: Request, pk: int) -> Response:
        profile_delete(profile=profile_get(user=request.user, pk=pk))
        return Response({"message": "Profile deleted successfully"})


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
        responses={201: PredictionBatchSerializer, **PREDICT_ERRORS},
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
        result = predict(user=request.user, records=[_json_object(body)])[0]
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

    @extend_schema(request=None, responses={201: PredictionSerializer, **PREDICT_ERRORS})
    @action(detail=True, methods=["post"])
    def predict(self, request: Request, pk: int | None = None) -> Response:
        result = profile_predict(user=request.user, profile=self.get_object())
        return Response(prediction_resource(result), status=status.HTTP_201_CREATED)


class CustomerSegmentView(APIView):
    """Document 003 `GET /api/customers/{id}/segment`: a customer of the published
    segmentation's dataset, by its id there, with rule-based segments and its cluster."""

    required_scope = "customers:read"
    error_style = "envelope"

    @extend_schema(
        parameters=[CustomerSegmentQuerySerializer],
        responses={
            200: CustomerSegmentSerializer,
            409: OpenApiResponse(
                response=ERROR_SCHEMA,
                description="No segmentation is published yet, or the id is ambiguous: it "
                "matches only customers whose ids differ in upper and lower case.",
            ),
            410: OpenApiResponse(
                response=ERROR_SCHEMA, description="The dataset's data file is missing."
            ),
        },
        description="Answers in document 003's envelope; an unknown customer is 404 in it. The "
        "id is matched exactly first, then without surrounding spaces, then regardless of case "
        "when that names one customer (several ids differing only in case: 409).",
    )
    def get(self, request: Request, customer_id: str) -> Response:
        query = CustomerSegmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = customer_segment_get(
            user=request.user,
            external_id=customer_id,
            include_insights=query.validated_data["include_insights"],
        )
        return envelope(
            data,
            request=request,
            links={"self": request.path, "clusters": "/api/clusters"},
        )
