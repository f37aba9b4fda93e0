"""The project's domain errors: what services and selectors raise when a request cannot be
carried out for a reason other than bad input (bad input is Django's `ValidationError`).

Each error carries its HTTP status and a sentence the user can act on; `detail` optionally holds
a structured body ({field: [messages]}) when the sentence alone would lose which field is meant.
They import nothing from the web layer: `config/api/exceptions.py` maps them to each contract's
error shape, and the pages show their sentences next to the form (`config/pages.py`)."""

from typing import Any


class DomainError(Exception):
    """Base of the project's refusals. Subclasses set `status` and `default_message`."""

    status = 400
    default_message = "The request cannot be carried out."

    def __init__(self, message: str | None = None, *, detail: Any = None) -> None:
        self.message = message or self.default_message
        self.detail = detail  # structured detail, e.g. {field: [messages]}; None for a sentence
        super().__init__(self.message)


class BadRequest(DomainError):
    """A 400 about the request as a whole, not one field (e.g. an admin acting on themselves)."""

    status = 400


class NotAuthenticated(DomainError):
    """A credential was presented and refused (wrong password, revoked refresh token)."""

    status = 401
    default_message = "Incorrect authentication credentials."


class NotFound(DomainError):
    """The object does not exist for the caller (another user's objects included)."""

    status = 404
    default_message = "Not found."


class Conflict(DomainError):
    """The request is valid but the state does not allow it (e.g. nothing published yet)."""

    status = 409
    default_message = "The resource is not in a state that allows this request."


class SingleMachineOnly(Conflict):
    """What reads a whole dataset into one process, asked of a dataset above the single-machine
    limit (MAX_DATASET_ROWS): the work that runs on the Dask cluster says so instead."""


class Gone(DomainError):
    """The resource existed but is gone for good (e.g. an expired export)."""

    status = 410
    default_message = "This resource has expired."


class PayloadTooLarge(DomainError):
    status = 413
    default_message = "The uploaded file is too large."


class Unprocessable(DomainError):
    """Well-formed input whose values cannot be used (document 004's 422 for predictions)."""

    status = 422
    default_message = "The request could not be processed."


class ServiceUnavailable(DomainError):
    """A service the request needs (the broker, the cache) cannot be reached right now."""

    status = 503
    default_message = "The service is temporarily unavailable; try again shortly."

    def __init__(
        self, message: str | None = None, *, detail: Any = None, retry_after: int = 30
    ) -> None:
        super().__init__(message, detail=detail)
        self.retry_after = retry_after
