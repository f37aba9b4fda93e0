"""Writes of reports: create an export (built inline when small, by a Celery job when large),
build its file with the writer of its kind and format, and purge expired exports with their files.

- `options`: what an export may ask for (kinds, filters, columns) and the content types;
- `writers`: `WRITERS`, the table (kind, format) -> the function writing that file;
- `exports`: `export_create`, `export_build`, `exports_purge_expired`.
"""

from .exports import EXPORT_INLINE_MAX_ROWS, export_build, export_create, exports_purge_expired
from .options import CONTENT_TYPES, SEGMENT_PREFIX, WHAT_ASSIGNMENTS, WHAT_REPORT
from .writers import FORMATS_BY_WHAT, WRITERS

__all__ = [
    "CONTENT_TYPES",
    "EXPORT_INLINE_MAX_ROWS",
    "FORMATS_BY_WHAT",
    "SEGMENT_PREFIX",
    "WHAT_ASSIGNMENTS",
    "WHAT_REPORT",
    "WRITERS",
    "export_build",
    "export_create",
    "exports_purge_expired",
]
