"""Turn a service's refusal into sentences a page shows next to its form."""

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.errors import DomainError

GENERAL_KEYS = ("non_field_errors", "__all__", "detail", "error")


def detail_messages(detail) -> list[str]:
    """Every sentence of a structured error detail (a string, list or dict, nested)."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in detail_messages(value)]
    if isinstance(detail, list | tuple):
        return [message for item in detail for message in detail_messages(item)]
    return [str(detail)]


def _by_key(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, DomainError):
        if isinstance(exc.detail, dict):
            return {str(key): detail_messages(value) for key, value in exc.detail.items()}
        return {"": detail_messages(exc.detail if exc.detail is not None else exc.message)}
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return {key: list(messages) for key, messages in exc.message_dict.items()}
        return {"": list(exc.messages)}
    return {"": [str(exc)]}


def user_errors(exc: Exception) -> list[str]:
    """The user-facing sentences of a service error (Django's ValidationError, a domain error of
    `config.errors`, or a core's ValueError worded for the user)."""
    return [
        message if key in ("", *GENERAL_KEYS) else f"{key}: {message}"
        for key, messages in _by_key(exc).items()
        for message in messages
    ]


def message_errors(request: HttpRequest, exc: Exception, *, prefix: str = "") -> None:
    """Each sentence of a service error as an error message on the next page shown."""
    for message in user_errors(exc):
        flash.error(request, f"{prefix}{message}")


def form_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A page around `context["form"]`: 400 while the form shows errors, else 200."""
    return render(request, template, context, status=400 if context["form"].errors else 200)


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
