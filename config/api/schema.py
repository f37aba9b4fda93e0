"""OpenAPI post-processing: every operation documents the errors it can really answer.

drf-spectacular documents success responses only. This hook adds, where the operation does not
already declare them:
- 400 to every operation (a malformed body, query or header, or a request the state refuses);
- 401 and 403 when it needs a credential, and 401 when an open operation takes a body (a wrong
  password or token);
- 404 when its path has parameters or it is a paged list (`?page=` past the end);
- 429 when it is throttled;
- 503 to the operations of views that queue jobs (`queues_jobs = ("post",)`, the methods that
  may): the broker may be unreachable, and the answer then carries `Retry-After`;
all with the `Error` body. A view declares any other status itself (e.g. `409:
OpenApiResponse(description=...)`); a 4xx or 5xx declared without a body gets the `Error` body.
`tests/contracts/test_schemathesis.py` holds every answer to the documented statuses."""

from typing import Any

from drf_spectacular.hooks import postprocess_schema_enums

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error. DRF's shape (`detail`, or one list of messages per field), "
    "document 000's (`error`) or document 003's (`success: false`, `error`, `message`, "
    "`metadata`; 429 adds `retry_after_seconds`), depending on the contract of the path.",
    "properties": {
        "detail": {},
        "error": {"type": "string"},
        "message": {"type": "string"},
        "success": {"type": "boolean"},
        "retry_after_seconds": {"type": "integer"},
        "metadata": {"type": "object", "additionalProperties": True},
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "The request is invalid or the current state refuses it; the body says what to do.",
    "401": "No valid credential (missing, expired, revoked or tampered token or key).",
    "403": "The credential is valid but its role or scope does not allow this.",
    "404": "Nothing with this id exists for the caller (or the page is past the end).",
    "429": "Rate limit exceeded; `Retry-After` says when to try again.",
    "503": "The job queue cannot be reached right now; `Retry-After` says when to try again.",
}
METHODS = {"get", "put", "patch", "post", "delete", "head", "options", "trace"}


def _view_class(callback: Any) -> Any:
    return getattr(callback, "cls", None)


def _is_throttled(view_class: Any) -> bool:
    if view_class is None:
        return False
    throttles = getattr(view_class, "throttle_classes", None)
    return bool(throttles)


def add_error_responses(result: dict, generator: Any, request: Any, public: bool) -> dict:
    result = postprocess_schema_enums(result, generator, request=request, public=public)
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

    views: dict[tuple[str, str], Any] = {}
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        views[(path, method.lower())] = _view_class(callback)

    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            codes = ["400"]
            security = operation.get("security")
            anonymous = security is not None and (not security or {} in security)
            if not anonymous:
                codes += ["401", "403"]
            elif operation.get("requestBody"):
                codes.append("401")
            parameters = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or "page" in parameters:
                codes.append("404")
            if _is_throttled(views.get((path, method))):
                codes.append("429")
            if method in getattr(views.get((path, method)), "queues_jobs", ()):
                codes.append("503")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code[:1] in ("4", "5") and not response.get("content"):
                    response["content"] = {"application/json": {"schema": reference}}
    return result
