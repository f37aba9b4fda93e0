"""The one storage root of dataset files: uploads' Parquet copies, registered Parquet datasets,
assignments files and exports are all read and written here, by a key relative to the root.

The root is a URL (`DATA_URL`): a local folder (`file:///srv/segments`), a mount shared by every
host, or any fsspec URL such as `s3://bucket/prefix` (with the optional `s3fs`). Nothing outside
this module builds a local path of a data file: callers hold keys (`datasets/ab12.parquet`), and
a worker on another host opens the same data through `url(key)`.

Django-free (fsspec and pyarrow only), so the pure cores and Dask tasks may use it:

    storage = storage_for("file:///srv/segments")
    with storage.open("datasets/x.parquet", "wb") as handle: ...
    key = storage.resolve_under_root(user_given_url)   # StorageError when outside the root

Keys are POSIX-style relative paths: no scheme, no leading slash, no `..`, no empty part."""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

import fsspec
from fsspec.implementations.local import LocalFileSystem

__all__ = ["Storage", "StorageError", "open_url", "storage_for"]

# Files of a Parquet directory that are not data parts (Spark's and Dask's markers, metadata).
_NOT_PARTS = re.compile(r"^[._]")
_DIGITS = re.compile(r"(\d+)")


class StorageError(ValueError):
    """A key or URL that cannot be used (outside the root, malformed), worded for the user."""


def _natural(key: str) -> list[Any]:
    """Sort key putting part.2 before part.10 (the order Dask and Spark number their parts)."""
    return [int(piece) if piece.isdigit() else piece for piece in _DIGITS.split(key)]


@dataclass(frozen=True)
class Storage:
    """A storage root: an fsspec filesystem and the root path inside it."""

    root_url: str
    fs: Any
    root: str  # the root's path in `fs`, without a trailing slash

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    @property
    def storage_options(self) -> dict[str, Any]:
        """What Dask's readers take beside a URL to open it the same way (credentials etc.)."""
        return dict(getattr(self.fs, "storage_options", {}) or {})

    # --- keys and URLs -------------------------------------------------------------------------

    @staticmethod
    def clean_key(key: str) -> str:
        """`key` as a normalised relative key; StorageError for an absolute path, a URL, `..`,
        a backslash or an empty key."""
        text = str(key or "")
        if not text.strip():
            raise StorageError("An empty file name was given.")
        if "\\" in text or "\x00" in text:
            raise StorageError(f"'{text}' is not a valid file name under the data root.")
        if "://" in text or text.startswith("/") or re.match(r"^[A-Za-z]:", text):
            raise StorageError(f"'{text}' is not a path relative to the data root.")
        parts = [part for part in text.split("/") if part not in ("", ".")]
        if not parts or any(part == ".." for part in parts):
            raise StorageError(f"'{text}' leaves the data root: '..' is not allowed.")
        return "/".join(parts)

    def path(self, key: str) -> str:
        """The key's path inside `fs` (for this module and Dask readers only)."""
        return f"{self.root.rstrip('/')}/{self.clean_key(key)}"

    def url(self, key: str) -> str:
        """A URL any host configured with the same root can open (what Dask workers read)."""
        path = self.path(key)
        if self.is_local:
            return "file://" + path
        return self.fs.unstrip_protocol(path)

    def resolve_under_root(self, url: str) -> str:
        """The key of `url` under this root. StorageError when the URL is of another scheme or
        filesystem, leaves the root (`..`, an absolute path elsewhere, a local symlink pointing
        outside), or is the root itself. A relative path is taken relative to the root."""
        text = str(url or "").strip()
        if not text:
            raise StorageError("Give the URL of a Parquet file or folder under the data root.")
        if "\x00" in text or "\\" in text:
            raise StorageError("The URL holds characters a file name cannot have.")
        scheme = urlsplit(text).scheme if "://" in text else ""
        if not scheme and not text.startswith("/"):
            return self._confined(self.clean_key(text))
        root_protocols = (
            self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        )
        if scheme and scheme not in root_protocols:
            raise StorageError(self._outside_message(text))
        if scheme == "file" or (not scheme and self.is_local):
            if scheme and urlsplit(text).netloc not in ("", "localhost"):
                raise StorageError(self._outside_message(text))
            raw = urlsplit(text).path if scheme else text
        else:
            raw = self.fs._strip_protocol(text)
        if any(part == ".." for part in raw.split("/")):
            raise StorageError(f"'{text}' leaves the data root: '..' is not allowed.")
        if self.is_local:
            # Symlinks followed on both sides: a link inside the root to elsewhere is outside.
            normal, root = os.path.realpath(raw), os.path.realpath(self.root)
        else:
            normal, root = raw.strip("/"), self.root.strip("/")
        if normal == root or not normal.startswith(root.rstrip("/") + "/"):
            raise StorageError(self._outside_message(text))
        return self._confined(self.clean_key(normal[len(root.rstrip("/")) + 1 :]))

    def _confined(self, key: str) -> str:
        """Local roots: refuse a key whose real path (symlinks followed) is outside the root."""
        if self.is_local:
            real_root = os.path.realpath(self.root)
            real = os.path.realpath(self.path(key))
            if real != real_root and not real.startswith(real_root + os.sep):
                raise StorageError(self._outside_message(key))
        return key

    @property
    def shown_root(self) -> str:
        """The root URL without any credentials it may hold (user:secret@)."""
        parts = urlsplit(self.root_url)
        if "@" not in parts.netloc:
            return self.root_url
        return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()

    def _outside_message(self, text: str) -> str:
        return (
            f"'{text}' is not under the data root ({self.shown_root}); only files there can be "
            "registered. Copy the data under it and give that URL."
        )

    # --- files ---------------------------------------------------------------------------------

    def open(self, key: str, mode: str = "rb") -> IO[Any]:
        """Open the file at `key`; writing creates the folders above it."""
        path = self.path(key)
        if "w" in mode or "a" in mode:
            self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        return self.fs.open(path, mode)

    def read_bytes(self, key: str) -> bytes:
        with self.open(key, "rb") as handle:
            return handle.read()

    def write_bytes(self, key: str, data: bytes) -> None:
        with self.open(key, "wb") as handle:
            handle.write(data)

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self.path(key)))

    def isdir(self, key: str) -> bool:
        return bool(self.fs.isdir(self.path(key)))

    def size(self, key: str) -> int:
        return int(self.fs.size(self.path(key)))

    def delete(self, key: str) -> None:
        """Remove the file (or folder, with what it holds) at `key`; gone already is fine."""
        path = self.path(key)
        with contextlib.suppress(FileNotFoundError):
            if self.fs.isdir(path):
                self.fs.rm(path, recursive=True)
            else:
                self.fs.rm_file(path)

    def listdir(self, key: str = "") -> tuple[list[str], list[str]]:
        """(folders, files) directly in the folder at `key` ("" for the root), names only."""
        path = self.path(key) if key else self.root
        if not self.fs.exists(path):
            return [], []
        folders, files = [], []
        for entry in self.fs.ls(path, detail=True):
            name = posixpath.basename(entry["name"].rstrip("/"))
            (folders if entry["type"] == "directory" else files).append(name)
        return sorted(folders), sorted(files)

    def files_under(self, key: str) -> list[str]:
        """Keys of every file at or below `key` (a file alone gives itself), naturally sorted."""
        path = self.path(key)
        if not self.fs.isdir(path):
            return [self.clean_key(key)] if self.fs.exists(path) else []
        prefix = self.root.rstrip("/") + "/"
        found = [name[len(prefix) :] for name in self.fs.find(path) if name.startswith(prefix)]
        return sorted(found, key=_natural)

    def parquet_parts(self, key: str) -> list[str]:
        """The data files of a Parquet dataset at `key`: the file itself, or the files of a
        folder (recursively, hidden and `_`-prefixed names such as `_SUCCESS` and `_metadata`
        left out) in natural order, which is the order of its rows. Empty when nothing is there."""
        base = self.clean_key(key)
        return [
            part
            for part in self.files_under(base)
            if part == base
            or not any(_NOT_PARTS.match(piece) for piece in part[len(base) + 1 :].split("/"))
        ]

    def available_key(self, key: str) -> str:
        """`key`, or `key` with a short random suffix before its extension if that exists."""
        key = self.clean_key(key)
        stem, extension = posixpath.splitext(key)
        candidate = key
        while self.exists(candidate):
            candidate = f"{stem}_{os.urandom(4).hex()}{extension}"
        return candidate

    @contextlib.contextmanager
    def writing(self, key: str, *, suffix: str = "") -> Iterator[str]:
        """A local file name to write `key` through, for writers that need one (openpyxl,
        csv): on a local root the file itself (no copy of a large export), elsewhere a
        temporary file put to the root when the block ends without an error. On an error
        nothing is left at `key`."""
        if self.is_local:
            target = self.path(key)
            self.fs.makedirs(posixpath.dirname(target), exist_ok=True)
            try:
                yield target
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
                raise
            return
        descriptor, temporary = tempfile.mkstemp(suffix=suffix, prefix="segments-")
        os.close(descriptor)
        try:
            yield temporary
            self.fs.put_file(temporary, self.path(key))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def open_url(url: str, mode: str = "rb", storage_options: dict | None = None, **kwargs: Any):
    """Open the file at `url` (a URL `Storage.url` gave, with its `storage_options`): how a Dask
    worker on any host reads a part or writes one; writing creates the folder above it. Extra
    keyword arguments go to the file (`newline`, `encoding` in text mode)."""
    fs, path = fsspec.core.url_to_fs(url, **(storage_options or {}))
    if "w" in mode or "a" in mode:
        fs.makedirs(posixpath.dirname(path), exist_ok=True)
    return fs.open(path, mode, **kwargs)


_cache: dict[str, Storage] = {}
_cache_lock = threading.Lock()


def storage_for(root_url: str) -> Storage:
    """The storage of the root `root_url` (one per URL and process). A local root is created
    if missing. StorageError for a URL fsspec cannot open (an unknown scheme, a missing extra
    such as s3fs)."""
    with _cache_lock:
        found = _cache.get(root_url)
        if found is not None:
            return found
    try:
        fs, root = fsspec.core.url_to_fs(root_url)
    except (ImportError, ValueError) as exc:
        raise StorageError(f"The data root {root_url!r} cannot be opened: {exc}") from exc
    if isinstance(fs, LocalFileSystem):
        root = os.path.realpath(root)
        os.makedirs(root, exist_ok=True)
    storage = Storage(root_url=root_url, fs=fs, root=root.rstrip("/") or "/")
    with _cache_lock:
        _cache[root_url] = storage
    return storage
