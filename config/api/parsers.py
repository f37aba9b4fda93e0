"""JSON parsing that turns malformed, non-standard (NaN) or absurdly nested bodies into a 400."""

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32  # deeper than any contract needs; deeper bodies are an attack, not data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _depth(value: Any, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_constant=_reject_constant)
        except RecursionError as exc:
            raise ParseError(f"JSON body is nested deeper than {MAX_JSON_DEPTH} levels.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"Malformed JSON body: {exc}") from exc
        if _depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise ParseError(f"JSON body is nested deeper than {MAX_JSON_DEPTH} levels.")
        return data
