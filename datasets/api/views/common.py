"""The upload path every dataset contract shares: the size check before the body is read, then
validation and storage."""

from django.conf import settings
from rest_framework.request import Request

from ...models import Dataset
from ...services import dataset_create_from_upload, upload_too_large
from ..serializers import DatasetUploadInputSerializer

# The large JSON columns, which a list of datasets does not show.
REPORT_FIELDS = ("schema", "statistics", "quality_report", "correlation")


# A multipart body carries a little more than the file (boundaries, field headers): a body past
# the limit by more than this is refused before it is read at all.
MULTIPART_SLACK_BYTES = 64 * 1024


def refuse_oversized_body(request: Request) -> None:
    """413 from the Content-Length alone, before the body is parsed or spooled to disk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if length > settings.MAX_UPLOAD_BYTES + MULTIPART_SLACK_BYTES:
        raise upload_too_large(length)


def upload_from_request(request: Request) -> tuple[Dataset, bool]:
    """Validate a multipart upload and store it for the caller (shared by every upload path)."""
    refuse_oversized_body(request)
    data = DatasetUploadInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    return dataset_create_from_upload(
        owner=request.user,
        uploaded_file=data.validated_data["file"],
        name=data.validated_data.get("name") or None,
        force_new=data.validated_data["force_new"],
    )
