"""Turn a service's refusal into sentences a page shows next to its form."""

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import APIException

GENERAL_KEYS = ("non_field_errors", "__all__", "detail", "error")


def detail_messages(detail) -> list[str]:
    """Every sentence of a DRF `detail` (a string, list or dict, nested)."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in detail_messages(value)]
    if isinstance(detail, list | tuple):
        return [message for item in detail for message in detail_messages(item)]
    return [str(detail)]


def _by_key(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, APIException):
        detail = exc.detail
        if isinstance(detail, dict):
            return {str(key): detail_messages(value) for key, value in detail.items()}
        return {"": detail_messages(detail)}
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return {key: list(messages) for key, messages in exc.message_dict.items()}
        return {"": list(exc.messages)}
    return {"": [str(exc)]}


def user_errors(exc: Exception) -> list[str]:
    """The user-facing sentences of a service error (DRF or Django ValidationError, Conflict,
    PayloadTooLarge, Unprocessable, or a core's ValueError worded for the user)."""
    return [
        message if key in ("", *GENERAL_KEYS) else f"{key}: {message}"
        for key, messages in _by_key(exc).items()
        for message in messages
    ]


def add_service_errors(form: forms.Form, exc: Exception, *, aliases: dict | None = None) -> None:
    """Show a service's refusal on the form: messages naming a field go next to it (`aliases`
    maps a service's key to a form field), the rest above the form."""
    aliases = aliases or {}
    for key, messages in _by_key(exc).items():
        field = aliases.get(key, key)
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            elif key in ("", *GENERAL_KEYS):
                form.add_error(None, message)
            else:
                form.add_error(None, f"{key}: {message}")
