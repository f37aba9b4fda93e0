"""Document 003's response envelope: `{"success", "data", "metadata", "links"?}`, its one page
helper, and the serializers that put every envelope in the OpenAPI schema.

- `envelope(data, request=...)` wraps one answer;
- `envelope_page(items, request, serializer, key=..., query=...)` wraps one page of a list
  (`?limit=&offset=`, `PageQueryInputSerializer`) with `total_records`, `limit`, `offset`,
  `request_summary` and `next`/`prev` links, the items shaped by `serializer`;
- `envelope_serializer(name, data_serializer, many=False)` is the typed OpenAPI component of an
  envelope around `data_serializer` (one class per name, so each component is defined once).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from .request_id import current_request_id

API_VERSION = "1.0"
PAGE_DEFAULT_LIMIT = 50  # document 003: default 50, at most 500 records a page
PAGE_MAX_LIMIT = 500
PAGE_MAX_OFFSET = 1_000_000


def envelope_metadata(request: Any = None) -> dict[str, Any]:
    request_id = getattr(request, "request_id", None) or current_request_id()
    return {
        "request_id": request_id,
        "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "api_version": API_VERSION,
    }


def envelope(
    data: Any,
    *,
    request: Any = None,
    status: int = 200,
    links: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A successful answer wrapped the way document 003 writes it."""
    body: dict[str, Any] = {"success": True, "data": data, "metadata": envelope_metadata(request)}
    if links:
        body["links"] = links
    return Response(body, status=status, headers=headers)


class RecordSerializer(serializers.Serializer):
    """An output serializer of plain dict records: keys keep the record's order, and a key the
    record does not have stays absent (DRF would write null for a nullable field), so a body
    says only what the data has."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if isinstance(instance, Mapping):
            return {key: data[key] for key in instance if key in data}
        return data


class EnvelopeMetadataSerializer(serializers.Serializer):
    """`metadata` of every document 003 answer."""

    request_id = serializers.CharField()
    timestamp = serializers.DateTimeField()
    api_version = serializers.CharField()


class PageQueryInputSerializer(serializers.Serializer):
    """`?limit=&offset=` of a document 003 list."""

    limit = serializers.IntegerField(
        min_value=1, max_value=PAGE_MAX_LIMIT, default=PAGE_DEFAULT_LIMIT
    )
    offset = serializers.IntegerField(min_value=0, max_value=PAGE_MAX_OFFSET, default=0)


class RequestSummarySerializer(serializers.Serializer):
    """Where a page stands in its list."""

    total_records = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    has_more = serializers.BooleanField()


class PageSerializer(serializers.Serializer):
    """The page fields `envelope_page` adds to `data`; a list's data serializer extends it with
    its own fields and the list itself."""

    total_records = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    request_summary = RequestSummarySerializer()


_ENVELOPES: dict[str, type[serializers.Serializer]] = {}


def envelope_serializer(
    name: str, data_serializer: Any, *, many: bool = False
) -> type[serializers.Serializer]:
    """The serializer (OpenAPI component `name`) of `{"success": true, "data": <data_serializer>,
    "metadata": {...}, "links"?: {...}}`. `data_serializer` is a serializer class or instance.
    Asking twice for one name answers the same class."""
    if name in _ENVELOPES:
        return _ENVELOPES[name]
    success = serializers.BooleanField()  # made first: fields keep the order they were made in
    data = data_serializer(many=many) if isinstance(data_serializer, type) else data_serializer
    described = getattr(data_serializer, "__name__", type(data_serializer).__name__)
    envelope_class = type(
        name,
        (serializers.Serializer,),
        {
            "__doc__": f"Document 003's envelope around {described}.",
            "__module__": __name__,
            "success": success,
            "data": data,
            "metadata": EnvelopeMetadataSerializer(),
            "links": serializers.DictField(child=serializers.CharField(), required=False),
        },
    )
    _ENVELOPES[name] = envelope_class
    return envelope_class


def envelope_page(
    items: QuerySet | Sequence[Any],
    request: Request,
    serializer: type[serializers.Serializer],
    *,
    key: str,
    query: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    links: Mapping[str, str] | None = None,
) -> Response:
    """One page of a document 003 list in the envelope. `query` holds the validated `limit` and
    `offset` (None: `request`'s query read with `PageQueryInputSerializer`, 400 when invalid).
    `data` holds the fields before the page (e.g. the segmentation type); the page's items,
    shaped by `serializer`, go under `key`. `links` gains `next` and `prev` when there are
    more records either side, with the request's other query parameters kept."""
    if query is None:
        reader = PageQueryInputSerializer(data=request.query_params)
        reader.is_valid(raise_exception=True)
        query = reader.validated_data
    limit, offset = query["limit"], query["offset"]
    total = items.count() if isinstance(items, QuerySet) else len(items)
    page = list(items[offset : offset + limit])
    has_more = offset + len(page) < total
    summary = {"total_records": total, "limit": limit, "offset": offset, "has_more": has_more}
    body = {
        **(data or {}),
        "total_records": total,
        "limit": limit,
        "offset": offset,
        "request_summary": summary,
        key: serializer(page, many=True).data,
    }
    page_links = dict(links or {})
    params = request.query_params.copy()
    if has_more:
        params["offset"] = str(offset + limit)
        page_links["next"] = f"{request.path}?{params.urlencode()}"
    if offset > 0:
        params["offset"] = str(max(0, offset - limit))
        page_links["prev"] = f"{request.path}?{params.urlencode()}"
    return envelope(body, request=request, links=page_links or None)
