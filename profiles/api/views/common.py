"""What the profiles contracts share: the documented 409 and 422 answers of a prediction, and
the one-customer body check."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import ParseError

from config.api.schema import ERROR_SCHEMA

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


def json_object(data: Any) -> dict[str, Any]:
    """The body as one customer (a JSON object), else a 400 saying so."""
    if not isinstance(data, dict):
        raise ParseError("Send one customer as a JSON object.")
    return data
