"""Bytes in, UTF-8 bytes out: refuse binary and compressed files, detect the text encoding.

In: the raw upload. Out: `DecodedText(data, encoding, nul_removed)` where `data` is UTF-8 without a
byte-order mark and without NUL characters (PostgreSQL refuses NUL in text and JSON). Detection
order: a BOM (UTF-8, UTF-16), strict UTF-8, then cp1252, then Latin-1 (which accepts any byte).
Nothing is ever decompressed: a gzip or ZIP file is refused whatever its name says."""

import codecs
from dataclasses import dataclass

from .errors import IngestError

# Magic numbers of formats people upload by mistake, and what to tell them.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "a gzip-compressed file; upload the uncompressed CSV instead"),
    (b"PK\x03\x04", "an Excel workbook or ZIP archive, not a CSV; save the sheet as CSV first"),
    (b"PK\x05\x06", "an empty ZIP archive, not a CSV"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel (.xls) or Office file, not a CSV; save the sheet as CSV first",
    ),
    (b"PAR1", "a Parquet file, not a CSV"),
    (b"%PDF-", "a PDF document, not a CSV"),
    (b"BZh", "a bzip2-compressed file; upload the uncompressed CSV instead"),
    (b"\xfd7zXZ\x00", "an xz-compressed file; upload the uncompressed CSV instead"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file; upload the uncompressed CSV instead"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive, not a CSV"),
    (b"\x89PNG", "a PNG image, not a CSV"),
    (b"\xff\xd8\xff", "a JPEG image, not a CSV"),
    (b"SQLite format 3\x00", "an SQLite database, not a CSV"),
)
_SNIFF_BYTES = 8192
_CHECK_SLICE_BYTES = 1 << 20  # UTF-8 validity is checked a megabyte at a time
# Share of control characters (other than tab, newline, carriage return, form feed) above which a
# file is binary: real CSV text has none; a few stray ones are cleaned, not refused.
_MAX_CONTROL_SHARE = 0.05
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


@dataclass(frozen=True)
class DecodedText:
    data: bytes  # UTF-8, no BOM, no NUL
    encoding: str  # what the upload was written in
    nul_removed: int  # NUL characters dropped


def _refuse_known_binary(data: bytes) -> None:
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            raise IngestError(f"This looks like {what}.")


def _looks_like_utf16(head: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII text with every other byte NUL."""
    if len(head) < 4:
        return None
    even_nul = head[0::2].count(0) / len(head[0::2])
    odd_nul = head[1::2].count(0) / len(head[1::2])
    if odd_nul > 0.9 and even_nul < 0.1:
        return "utf-16-le"
    if even_nul > 0.9 and odd_nul < 0.1:
        return "utf-16-be"
    return None


def _check_utf8(data: bytes) -> None:
    """UnicodeDecodeError unless `data` is UTF-8; checked in slices, so the text of a large file
    is never held as one Python string next to its bytes."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(view), _CHECK_SLICE_BYTES):
        decoder.decode(view[start : start + _CHECK_SLICE_BYTES])
    decoder.decode(b"", final=True)


def decode(data: bytes) -> DecodedText:
    """Return the upload as clean UTF-8; raise IngestError for empty, binary or compressed files."""
    if not data:
        raise IngestError("The file is empty; upload a CSV with a header row and data rows.")
    _refuse_known_binary(data)
    head = data[:_SNIFF_BYTES]

    utf16 = None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        utf16 = "utf-16"
    elif b"\x00" in head:
        utf16 = _looks_like_utf16(head)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError as exc:
            raise IngestError(
                "The file claims to be UTF-16 text but is not; save it as UTF-8 CSV."
            ) from exc
        data, encoding = text.lstrip("\ufeff").encode("utf-8"), utf16
    elif data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    else:
        encoding = "utf-8"

    nul_count = data.count(b"\x00")
    if nul_count:
        data = data.replace(b"\x00", b"")
    sample = data[:_SNIFF_BYTES]
    controls = sum(sample.count(c) for c in _CONTROL_BYTES)
    if (sample and controls / len(sample) > _MAX_CONTROL_SHARE) or (
        nul_count > len(data) * _MAX_CONTROL_SHARE
    ):
        raise IngestError(
            "The file is binary, not CSV text; upload a comma, semicolon or tab separated file."
        )

    if encoding == "utf-8":
        try:
            _check_utf8(data)
        except UnicodeDecodeError:
            try:
                data, encoding = data.decode("cp1252").encode("utf-8"), "cp1252"
            except UnicodeDecodeError:  # the 5 bytes cp1252 leaves undefined
                data, encoding = data.decode("latin-1").encode("utf-8"), "latin-1"
    if data.isspace():
        raise IngestError(
            "The file contains only whitespace; upload a CSV with a header and data rows."
        )
    return DecodedText(data=data, encoding=encoding, nul_removed=nul_count)
