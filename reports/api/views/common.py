"""Helpers shared by the reports views of every contract: input errors worded for the user, the
export service called with a validated body, and the schema pieces several views declare."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions
from rest_framework.request import Request

from clustering.models import ClusteringRun
from reports import segments
from reports.models import Export
from reports.services import CONTENT_TYPES, export_create


def segment_type_or_400(raw: str) -> str:
    """The segment type of the path (case-insensitive); 400 naming the valid ones otherwise."""
    segment_type = raw.lower()
    if segment_type not in segments.SEGMENT_TYPES:
        raise exceptions.ValidationError(
            {
                "type": f"Invalid segmentation type '{raw[:40]}'; choose one of "
                f"{', '.join(segments.SEGMENT_TYPES)}."
            }
        )
    return segment_type


def input_error(exc: ValueError) -> exceptions.ValidationError:
    """A pure core's input error (its sentence is for the user) as a 400."""
    return exceptions.ValidationError({"detail": str(exc)})


def _service_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return exceptions.ValidationError(detail)


def export_from_body(
    request: Request, *, run: ClusteringRun, what: str | None, body: dict
) -> Export:
    """`export_create` with a validated body's format, columns, filters and include_charts;
    the service's refusal answers 400."""
    try:
        return export_create(
            user=request.user,
            run=run,
            what=what,
            file_format=body["format"],
            columns=body.get("columns"),
            filters=body.get("filters"),
            include_charts=body["include_charts"],
        )
    except DjangoValidationError as exc:
        raise _service_error(exc) from exc


NOTHING_PUBLISHED = OpenApiResponse(description="No segmentation is published yet.")
FILE_RESPONSES = {
    (200, content_type.split(";")[0]): OpenApiTypes.BINARY
    for content_type in CONTENT_TYPES.values()
}
DOWNLOAD_REFUSALS = {
    409: OpenApiResponse(description="The export is still being built, or failed."),
    410: OpenApiResponse(description="The export has expired."),
}
SEGMENT_TYPE_PARAMETER = OpenApiParameter(  # named as the route's argument, so it types it
    "segment_type", str, OpenApiParameter.PATH, enum=list(segments.SEGMENT_TYPES)
)
