"""The storage root (`common.storage`, `config.storage`): keys confined to the root, files read
and written by key on a local root and on a non-local fsspec filesystem, and the Django file
storage on top of it. The last test keeps every other module off local paths of data files."""

import os
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from common.storage import StorageError, storage_for
from config.storage import DataStorage, data_root_url, data_storage


@pytest.fixture
def root(tmp_path):
    folder = tmp_path / "root"
    folder.mkdir()
    return storage_for(folder.as_uri())


@pytest.fixture
def memory_root():
    """A root on fsspec's in-memory filesystem: no local paths, as on an object store."""
    return storage_for(f"memory://bucket/{uuid.uuid4().hex}")


def test_keys_are_written_read_listed_and_deleted_under_the_root(root):
    root.write_bytes("datasets/a.parquet", b"one")
    assert root.read_bytes("datasets/a.parquet") == b"one"
    assert root.exists("datasets/a.parquet")
    assert root.size("datasets/a.parquet") == 3
    assert (Path(root.root) / "datasets" / "a.parquet").read_bytes() == b"one"
    assert root.listdir("datasets") == ([], ["a.parquet"])
    assert root.url("datasets/a.parquet") == Path(root.root, "datasets/a.parquet").as_uri()
    root.delete("datasets/a.parquet")
    root.delete("datasets/a.parquet")  # already gone: not an error
    assert not root.exists("datasets/a.parquet")


@pytest.mark.parametrize(
    "key",
    ["../outside", "a/../../b", "/etc/passwd", "file:///etc/passwd", "s3://bucket/x", "", "a\\b"],
)
def test_keys_that_leave_the_root_are_refused(root, key):
    with pytest.raises(StorageError):
        root.open(key, "rb")


def test_parquet_parts_are_the_files_of_a_folder_in_natural_order(root):
    for name in ("part.10.parquet", "part.2.parquet", "part.0.parquet", "_SUCCESS", ".crc"):
        root.write_bytes(f"big/{name}", b"")
    root.write_bytes("big/_metadata", b"")
    root.write_bytes("single.parquet", b"")
    assert root.parquet_parts("big") == [
        "big/part.0.parquet",
        "big/part.2.parquet",
        "big/part.10.parquet",
    ]
    assert root.parquet_parts("single.parquet") == ["single.parquet"]
    assert root.parquet_parts("nothing-here") == []


def test_resolve_under_root_accepts_urls_paths_and_keys_inside(root):
    inside = Path(root.root) / "incoming" / "customers.parquet"
    assert root.resolve_under_root(inside.as_uri()) == "incoming/customers.parquet"
    assert root.resolve_under_root(str(inside)) == "incoming/customers.parquet"
    assert root.resolve_under_root("incoming/customers.parquet") == "incoming/customers.parquet"
    assert root.resolve_under_root("./incoming//parts/") == "incoming/parts"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "/etc/passwd",
        "../outside.parquet",
        "incoming/../../outside.parquet",
        "s3://bucket/customers.parquet",
        "http://example.com/customers.parquet",
        "memory://bucket/customers.parquet",
        "file://otherhost/data/customers.parquet",
        "",
    ],
)
def test_resolve_under_root_refuses_anything_outside(root, url):
    with pytest.raises(StorageError):
        root.resolve_under_root(url)


def test_resolve_under_root_refuses_the_root_itself_and_a_sibling_folder(root):
    with pytest.raises(StorageError):
        root.resolve_under_root(Path(root.root).as_uri())
    sibling = Path(root.root + "-other") / "x.parquet"
    with pytest.raises(StorageError):
        root.resolve_under_root(sibling.as_uri())
    with pytest.raises(StorageError, match=r"'\.\.' is not allowed"):
        root.resolve_under_root(Path(root.root).as_uri() + "/incoming/../x.parquet")


def test_a_symlink_inside_the_root_that_points_outside_is_refused(root, tmp_path):
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "data.parquet").write_bytes(b"PAR1")
    os.symlink(outside, Path(root.root) / "link")
    with pytest.raises(StorageError):
        root.resolve_under_root("link/data.parquet")
    with pytest.raises(StorageError):
        root.resolve_under_root((Path(root.root) / "link" / "data.parquet").as_uri())


def test_a_non_local_root_reads_writes_and_confines_by_url(memory_root):
    memory_root.write_bytes("datasets/a.parquet", b"x")
    url = memory_root.url("datasets/a.parquet")
    assert url.startswith("memory://")
    assert url.endswith("/datasets/a.parquet")
    assert memory_root.resolve_under_root(url) == "datasets/a.parquet"
    with pytest.raises(StorageError):
        memory_root.resolve_under_root("memory://bucket/elsewhere/a.parquet")
    with pytest.raises(StorageError):
        memory_root.resolve_under_root("file:///etc/passwd")


def _write_half_then_fail(storage, key: str) -> None:
    with storage.writing(key) as path, open(path, "w") as handle:
        handle.write("half")
        raise RuntimeError("the writer failed")


def test_writing_gives_a_local_file_and_puts_it_on_a_non_local_root(memory_root):
    with memory_root.writing("exports/1.csv", suffix=".csv") as path, open(path, "w") as handle:
        handle.write("a,b\n")
    assert not os.path.exists(path)  # the temporary file is gone once put
    assert memory_root.read_bytes("exports/1.csv") == b"a,b\n"
    with pytest.raises(RuntimeError):
        _write_half_then_fail(memory_root, "exports/2.csv")
    assert not memory_root.exists("exports/2.csv")


def test_writing_on_a_local_root_removes_a_half_written_file(root):
    with pytest.raises(RuntimeError):
        _write_half_then_fail(root, "exports/2.csv")
    assert not root.exists("exports/2.csv")


def test_the_data_root_defaults_to_the_media_folder_and_follows_data_url(settings, tmp_path):
    assert data_root_url() == Path(settings.MEDIA_ROOT).resolve().as_uri()
    settings.DATA_URL = (tmp_path / "shared").as_uri()
    assert data_storage().root == str((tmp_path / "shared").resolve())


def test_django_file_fields_go_through_the_data_root(settings, tmp_path):
    assert isinstance(default_storage, DataStorage)
    settings.DATA_URL = f"memory://bucket/{uuid.uuid4().hex}"
    name = default_storage.save("exports/report.json", ContentFile(b"{}"))
    assert name == "exports/report.json"
    assert data_storage().read_bytes(name) == b"{}"
    assert default_storage.save("exports/report.json", ContentFile(b"[]")) != name
    with default_storage.open(name) as handle:
        assert handle.read() == b"{}"
    default_storage.delete(name)
    assert not default_storage.exists(name)
    with pytest.raises(NotImplementedError):
        default_storage.path("exports/report.json")


# --- No local path of a data file outside the storage layer --------------------------------------

APPS = ("accounts", "clustering", "common", "config", "datasets", "profiles", "reports")
STORAGE_LAYER = {"common/storage.py", "config/storage.py"}
# Files that name local paths of what is not a data file of the service: settings (where the
# folders are), the process supervisor (Celery beat's schedule file), the generator of sample
# CSV files an operator writes where they choose (its command and its writer).
NOT_DATA = {
    "config/serve.py",
    "datasets/demo.py",
    "datasets/management/commands/generate_customers.py",
}
FORBIDDEN = re.compile(
    r"MEDIA_ROOT|VAR_DIR|BASE_DIR|var/media|default_storage|FileSystemStorage|tempfile|"
    r"os\.path\.|\bPath\(|pathlib|\.path\(|import fsspec|from fsspec|"
    r"\bos\.(remove|unlink|makedirs)\("
)
BUILTIN_OPEN = re.compile(r"(?<![\w.])open\(")
# The only modules that may call the builtin open(), and why.
OPEN_ALLOWED = {
    "clustering/services/runs.py",  # /proc/<pid>/stat of the worker process, not a data file
    "config/pages/assets.py",  # the static JavaScript bundle
    "reports/services/writers.py",  # writes the file name handed out by Storage.writing
}


def _sources() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = []
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            relative = path.relative_to(base).as_posix()
            if "/migrations/" in relative or relative.startswith("config/settings/"):
                continue
            if relative in STORAGE_LAYER or relative in NOT_DATA:
                continue
            found.append(path)
    return found


def test_no_module_outside_the_storage_layer_builds_a_local_path():
    base = Path(settings.BASE_DIR)
    offences = []
    for path in _sources():
        relative = path.relative_to(base).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if FORBIDDEN.search(code):
                offences.append(f"{relative}:{number}: {line.strip()}")
            if BUILTIN_OPEN.search(code) and relative not in OPEN_ALLOWED:
                offences.append(f"{relative}:{number}: {line.strip()}")
    assert not offences, (
        "Data files are read and written by key through config.storage.data_storage() "
        "(common/storage.py); these lines build or open local paths:\n" + "\n".join(offences)
    )
