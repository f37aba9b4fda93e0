"""Find the delimiter and the header of CSV text.

In: UTF-8 bytes (see encoding.py). Out: `Dialect(delimiter, header, has_quotes)`. The delimiter is
the candidate (comma, semicolon, tab, pipe) that splits the first lines into the same number of
fields, more than one; quotes are honoured, so quoted delimiters and newlines do not mislead it."""

import csv
import io
from collections import Counter
from dataclasses import dataclass

from .errors import IngestError

CANDIDATES = (",", ";", "\t", "|")
_SAMPLE_BYTES = 256 * 1024  # enough for a 10,000-column header and ~50 lines of an ordinary file
_SAMPLE_RECORDS = 50
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Below this share of sampled records having the header's field count, the text is not a table
# (prose with a comma in it), rather than a table with a few ragged rows.
MIN_CONSISTENT_SHARE = 0.5


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    header: list[str]  # raw names as written, before cleaning
    has_quotes: bool  # a double quote anywhere in the file: quoted newlines are possible

    @property
    def delimiter_name(self) -> str:
        return _NAMES[self.delimiter]


def _records(sample: str, delimiter: str, complete: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    try:
        for record in reader:
            if record and any(field.strip() for field in record):
                records.append(record)
            if len(records) > _SAMPLE_RECORDS:
                break
    except csv.Error:
        return records
    if not complete and len(records) > 1 and len(records) <= _SAMPLE_RECORDS:
        records = records[:-1]  # the sample may cut the last record in half
    return records


def _score(records: list[list[str]]) -> tuple[float, int]:
    """(share of records with the header's field count, field count)."""
    if not records:
        return (0.0, 0)
    width = len(records[0])
    if width < 2:
        return (0.0, width)
    counts = Counter(len(record) for record in records)
    return (counts[width] / len(records), width)


def sniff(data: bytes) -> Dialect:
    """Pick the delimiter and read the header; raise IngestError when no table is found."""
    complete = len(data) <= _SAMPLE_BYTES
    sample = data[:_SAMPLE_BYTES].decode("utf-8", errors="replace")
    best: tuple[tuple[float, int], str, list[list[str]]] | None = None
    for delimiter in CANDIDATES:
        records = _records(sample, delimiter, complete)
        score = _score(records)
        if score[1] >= 2 and score[0] >= MIN_CONSISTENT_SHARE and (best is None or score > best[0]):
            best = (score, delimiter, records)
    if best is None:
        raise IngestError(
            "No table found: the lines do not split into the same columns. Upload a CSV whose "
            "columns are separated by commas, semicolons or tabs, with a header row."
        )
    _, delimiter, records = best
    return Dialect(delimiter=delimiter, header=records[0], has_quotes=b'"' in data)
