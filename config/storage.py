"""The Django side of the storage root (`common.storage`): the root configured by `DATA_URL`,
and `DataStorage`, the default file storage, so every FileField (a dataset's Parquet copy, an
export's file) is read and written under that root by its key.

`DATA_URL` empty (the default) means the local media folder, `MEDIA_ROOT`, as a file URL:
existing installations keep their files where they are."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

from common.storage import Storage as Root
from common.storage import StorageError, storage_for

__all__ = ["DataStorage", "StorageError", "data_root_url", "data_storage"]


def data_root_url() -> str:
    """The configured root URL: DATA_URL, else MEDIA_ROOT as a file URL."""
    configured = str(getattr(settings, "DATA_URL", "") or "").strip()
    return configured or Path(settings.MEDIA_ROOT).resolve().as_uri()


def data_storage() -> Root:
    """The storage root every data file goes through (read from the settings on each call)."""
    return storage_for(data_root_url())


@deconstructible
class DataStorage(Storage):
    """Django's file storage API on the data root; no local paths (`path()` is not offered)."""

    def _open(self, name: str, mode: str = "rb") -> File:
        return File(data_storage().open(name, mode), name=name)

    def _save(self, name: str, content: Any) -> str:
        root = data_storage()
        if hasattr(content, "seek"):
            content.seek(0)
        with root.open(name, "wb") as handle:
            for chunk in content.chunks() if hasattr(content, "chunks") else [content.read()]:
                handle.write(chunk)
        return root.clean_key(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return data_storage().available_key(name)

    def delete(self, name: str) -> None:
        if name:
            data_storage().delete(name)

    def exists(self, name: str) -> bool:
        return data_storage().exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return data_storage().listdir(path)

    def size(self, name: str) -> int:
        return data_storage().size(name)

    def url(self, name: str | None) -> str:
        """The file's URL on the data root (files are served by the API, never by this URL)."""
        return data_storage().url(name or "")
