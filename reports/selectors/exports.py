"""The caller's exports, and the size document 003 announces for one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User

from ..models import Export

# Rough bytes per exported cell, for document 003's `estimated_size_mb` (measured on demo data).
BYTES_PER_CELL = {"csv": 9, "json": 22, "xlsx": 6, "html": 30}


def export_list(*, user: User) -> QuerySet[Export]:
    """The caller's exports (every export for an admin), newest first; expired ones excluded."""
    exports = Export.objects.select_related("run").filter(expires_at__gt=timezone.now())
    if not user.is_authenticated:
        return exports.none()
    if getattr(user, "is_admin_role", False):
        return exports
    return exports.filter(owner=user)


def export_get(*, user: User, pk: Any) -> Export:
    """The caller's export with this id, expired or not (the download view answers 410 for an
    expired one); Http404 when it does not exist or is someone else's."""
    exports = Export.objects.select_related("run")
    if not getattr(user, "is_admin_role", False):
        exports = exports.filter(owner=user)
    try:
        return exports.get(pk=pk)
    except (Export.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        # DjangoValidationError: a malformed id is not a UUID, so no such export either.
        raise Http404(f"Export {pk} was not found among your exports.") from None


def export_estimated_size_mb(*, export: Export) -> float:
    """Document 003's `estimated_size_mb`: the real size once built, else an estimate."""
    if export.size_bytes:
        return round(export.size_bytes / 1e6, 6)
    rows = export.run.dataset.n_rows or 0
    cells = rows * (export.run.dataset.n_columns + 3)
    return round(cells * BYTES_PER_CELL.get(export.format, 10) / 1e6, 3)
