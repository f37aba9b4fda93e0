"""The OpenAPI schema shows every answer: no response body is documented as a bare object (a
`type: object` with neither properties nor a shape for its values), so a client can read each
answer's fields from the schema. Free-form values inside an answer are declared with
`config.api.fields.documented_json`; an answer keyed by column names with a
`KeyedObjectSerializer`."""

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

# Answers allowed to stay documented as a bare object, as "METHOD /path STATUS" (none today);
# the test below fails when an entry is typed but still listed.
UNTYPED_ALLOWED: set[str] = set()
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def is_untyped(schema: dict[str, Any] | None) -> bool:
    """A bare object (or a list of them): nothing says which fields it has."""
    if not schema:
        return True
    if "$ref" in schema or any(key in schema for key in ("oneOf", "anyOf", "allOf")):
        return False
    if schema.get("type") == "array":
        return is_untyped(schema.get("items"))
    if schema.get("type") == "object":
        values = schema.get("additionalProperties")
        return not schema.get("properties") and not (isinstance(values, dict) and values)
    return False


def untyped_answers(schema: dict[str, Any]) -> set[str]:
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            for status, response in operation.get("responses", {}).items():
                for content in (response.get("content") or {}).values():
                    if is_untyped(content.get("schema")):
                        found.add(f"{method.upper()} {path} {status}")
    return found


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    ("schema", "untyped"),
    [
        ({"type": "object", "additionalProperties": {}}, True),
        ({"type": "object"}, True),
        ({"type": "array", "items": {"type": "object"}}, True),
        ({"type": "object", "properties": {"a": {"type": "integer"}}}, False),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, False),
        ({"$ref": "#/components/schemas/Run"}, False),
        ({"type": "string", "format": "binary"}, False),
    ],
)
def test_is_untyped_tells_a_bare_object(schema, untyped):
    assert is_untyped(schema) is untyped


@pytest.mark.django_db
def test_every_answer_is_typed_in_the_schema(schema):
    untyped = untyped_answers(schema) - UNTYPED_ALLOWED
    assert not untyped, "Answers documented as a bare object:\n" + "\n".join(sorted(untyped))


@pytest.mark.django_db
def test_the_allow_list_holds_only_untyped_answers(schema):
    typed_now = UNTYPED_ALLOWED - untyped_answers(schema)
    assert not typed_now, "Typed now; remove from UNTYPED_ALLOWED:\n" + "\n".join(sorted(typed_now))
