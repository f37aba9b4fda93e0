"""Free-form JSON in an answer, documented. `documented_json(...)` is the one way a serializer
declares a value whose shape varies (a number or a text, a dict of metrics) so the OpenAPI schema
still says what it holds instead of showing a bare `{}`; `KeyedObjectSerializer` documents an
answer keyed by names the data chooses (column name -> figures).
`tests/contracts/test_typed_answers.py` fails on an answer documented as a bare object."""

from typing import Any

from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from rest_framework import serializers

JSON_KINDS = {"object", "array", "string", "number", "integer", "boolean", "any"}


class DocumentedJSONField(serializers.JSONField):
    """A read-only JSON value whose schema is given, not guessed (see `documented_json`)."""

    def __init__(self, *, openapi_schema: dict[str, Any], **kwargs: Any) -> None:
        self.openapi_schema = openapi_schema
        super().__init__(**kwargs)


class DocumentedJSONFieldExtension(OpenApiSerializerFieldExtension):
    """Puts a `DocumentedJSONField`'s own schema into the OpenAPI document."""

    target_class = DocumentedJSONField

    def map_serializer_field(self, auto_schema, direction) -> dict[str, Any]:
        return dict(self.target.openapi_schema)


def documented_json(
    description: str,
    *,
    kind: str = "object",
    values: dict[str, Any] | None = None,
    example: Any = None,
    **kwargs: Any,
) -> DocumentedJSONField:
    """A JSON answer field documented by `description`. `kind` is its JSON type ("any" for a
    value that may be a number, a text or null); `values` is the schema of an object's values
    (an object keyed by names such as columns), e.g. `{"type": "integer"}`."""
    if kind not in JSON_KINDS:
        raise ValueError(f"kind must be one of {sorted(JSON_KINDS)}; got {kind!r}.")
    schema: dict[str, Any] = {"description": description}
    if kind != "any":
        schema["type"] = kind
    else:
        schema["nullable"] = True
    if kind == "object":
        schema["additionalProperties"] = values if values is not None else True
    if example is not None:
        schema["example"] = example
    kwargs.setdefault("read_only", True)
    return DocumentedJSONField(openapi_schema=schema, **kwargs)


class KeyedObjectSerializer(serializers.Serializer):
    """An answer keyed by names its data chooses (column names...), every value shaped by
    `values_serializer`: documented as an object whose additional properties are that shape."""

    values_serializer: type[serializers.Serializer]

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        shape = self.values_serializer()
        return {str(key): shape.to_representation(value) for key, value in instance.items()}


class KeyedObjectSerializerExtension(OpenApiSerializerExtension):
    """`KeyedObjectSerializer` subclasses: `{"type": "object", "additionalProperties": <value>}`."""

    target_class = KeyedObjectSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction) -> dict[str, Any]:
        values = auto_schema.resolve_serializer(self.target.values_serializer, direction)
        schema: dict[str, Any] = {"type": "object", "additionalProperties": values.ref}
        if self.target.__doc__:
            schema["description"] = self.target.__doc__.splitlines()[0]
        return schema
