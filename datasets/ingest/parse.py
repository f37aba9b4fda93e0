"""CSV text to an Arrow table, fast, with careful fallbacks.

In: UTF-8 bytes and the sniffed `Dialect`. Out: a `pyarrow.Table` whose column names are clean and
unique, plus the renames made. pyarrow's multithreaded reader does the work. Rules:
- "NA", "None", "null" stay values in text columns (`strings_can_be_null=False`); in numeric
  columns they are missing (pyarrow's default null tokens). Empty cells are made missing later.
- A column whose type pyarrow cannot hold for every block (numbers, then text further down) is
  re-read as text and resolved per column (see kinds.py), never per chunk.
- Ragged rows are refused with the row number; duplicate or empty header names get a suffix."""

import io
import re

import pyarrow as pa
import pyarrow.csv as pacsv

from .dialect import Dialect
from .errors import IngestError

_BLOCK_BYTES = 1 << 22  # 4 MiB blocks: fewer, larger tasks for the 2-core machine
_CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): .*?(?:invalid value|conversion error)", re.S)
MAX_NAME_CHARS = 128  # column names longer than this are cut: they are labels, not content


def clean_names(raw: list[str]) -> tuple[list[str], list[str]]:
    """Strip names, name empty ones, suffix duplicates; return (names, notes on what changed)."""
    names: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for position, value in enumerate(raw, start=1):
        name = value.strip()[:MAX_NAME_CHARS]
        if not name:
            name = f"column_{position}"
            notes.append(f"Column {position} has no name; it was called '{name}'.")
        if name in seen:
            suffix = 2
            while f"{name}_{suffix}" in seen:
                suffix += 1
            notes.append(
                f"Duplicate column name '{name}': column {position} was renamed '{name}_{suffix}'."
            )
            name = f"{name}_{suffix}"
        seen.add(name)
        names.append(name)
    return names, notes


def _short(text: str | None, limit: int = 60) -> str:
    text = (text or "").replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def _line_of(data: bytes, text: str | None) -> str:
    """'Line N' of the first occurrence of a row's text (pyarrow's threads do not number rows)."""
    if text:
        position = data.find(b"\n" + text.encode("utf-8"))
        if position >= 0:
            line = data.count(b"\n", 0, position) + 2
            return f"Line {line}"
    return "A row"


def read_table(data: bytes, *, dialect: Dialect, names: list[str]) -> pa.Table:
    """Parse every data row into columns named `names`; raise IngestError for ragged rows."""
    text_columns: dict[str, pa.DataType] = {}
    for _attempt in range(len(names) + 1):
        bad_rows: list[pacsv.InvalidRow] = []

        def on_invalid(row: pacsv.InvalidRow, bad_rows: list = bad_rows) -> str:
            bad_rows.append(row)
            return "error"

        try:
            return pacsv.read_csv(
                io.BytesIO(data),
                read_options=pacsv.ReadOptions(
                    column_names=names, skip_rows_after_names=1, block_size=_BLOCK_BYTES
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=dialect.delimiter,
                    newlines_in_values=dialect.has_quotes,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=text_columns,
                    strings_can_be_null=False,
                    true_values=[],  # "true"/"false" stay categories with their own spelling
                    false_values=[],
                    timestamp_parsers=[pacsv.ISO8601],
                ),
            )
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if bad_rows:
                row = bad_rows[0]
                where = _line_of(data, row.text)
                raise IngestError(
                    f"{where} has {row.actual_columns} fields but the header has "
                    f"{row.expected_columns} ('{_short(row.text)}'). Every row needs one value "
                    "per column; quote values that contain the delimiter."
                ) from exc
            match = _CONVERSION_ERROR.search(message)
            if match and int(match.group(1)) < len(names):
                name = names[int(match.group(1))]
                if name not in text_columns:
                    text_columns[name] = pa.string()
                    continue
            raise IngestError(f"The file could not be read as CSV: {_short(message, 200)}") from exc
    raise IngestError("The file could not be read as CSV: its columns mix types in every way.")
