"""The download of an export's file, shared by the API and the pages so both refuse alike."""

from django.http import FileResponse
from django.utils import timezone

from config.errors import Conflict, Gone

from .models import Export
from .services import CONTENT_TYPES


def export_file_response(export: Export) -> FileResponse:
    """The export's file, streamed. Gone (410) once expired; Conflict (409) while it is being
    built or after a failure. The caller has already checked that the export is theirs."""
    if export.expires_at <= timezone.now():
        raise Gone("This export has expired and its file was deleted; create a new export.")
    if export.status == Export.Status.FAILED:
        raise Conflict(f"This export failed: {export.error or 'no reason was recorded.'}")
    if export.status != Export.Status.READY or not export.file:
        raise Conflict("This export is still being built; try again in a few seconds.")
    what = export.what.replace(":", "-")
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"run-{export.run_id}-{what}.{export.format}",
        content_type=CONTENT_TYPES[export.format],
    )
    response["Cache-Control"] = "private, no-store"
    return response
