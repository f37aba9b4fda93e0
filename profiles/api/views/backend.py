"""Document 004: `POST /predict`, `GET /history`, `/profiles/`, `/profiles/{id}`."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...selectors import prediction_list, profile_get, profile_list
from ...services import predict, profile_create, profile_delete, profile_update
from ..explanation import EXPLAIN_PARAMETER, explain_requested
from ..serializers import (
    CUSTOMER_SCHEMA,
    PREDICT_RESPONSE_SCHEMA,
    CustomerProfileSerializer,
    HistoryItemSerializer,
    HistorySerializer,
    MessageSerializer,
    SkipLimitInputSerializer,
    predict_answer,
)
from .common import PREDICT_ERRORS, json_object

DOC004_EXAMPLE = {
    "sex": "Male",
    "age": 35,
    "annual_income": 65.0,
    "spending_score": 75,
    "purchase_frequency": 12,
}


SKIP_LIMIT_PARAMETERS = [
    OpenApiParameter("skip", int, description="Records to skip (default 0)."),
    OpenApiParameter("limit", int, description="Records to return, 1-500 (default 50)."),
]


def _skip_limit(request: Request) -> tuple[int, int]:
    query = SkipLimitInputSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["skip"], query.validated_data["limit"]


class BackendPredictView(APIView):
    """Document 004 `POST /predict`: the customer's segment with the published segmentation,
    recorded in the caller's history."""

    required_scope = "predict"

    @extend_schema(
        request={"application/json": CUSTOMER_SCHEMA},
        parameters=[EXPLAIN_PARAMETER],
        responses={200: PREDICT_RESPONSE_SCHEMA, **PREDICT_ERRORS},
        examples=[OpenApiExample("Document 004", value=DOC004_EXAMPLE, request_only=True)],
        description="Predict the segment of one customer with the published segmentation. "
        "422 names each missing or invalid field; 409 when no segmentation is published yet. "
        "`explanation` (additive) says why this segment; `?explain=false` leaves it out.",
    )
    def post(self, request: Request) -> Response:
        explain = explain_requested(request)
        result = predict(user=request.user, records=[json_object(request.data)], explain=explain)
        return Response(predict_answer(result[0], explain=explain))


class BackendHistoryView(APIView):
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


class BackendProfileListView(APIView):
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


class BackendProfileDetailView(APIView):
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
