"""Export writers: a DataFrame or a report dict in, a CSV, JSON, XLSX or standalone HTML file out.
Pure: imports pandas, openpyxl, plotly (for its bundled plotly.js), the stdlib-only number
formatter `common.numbers` and `common.storage` only, so Dask workers write parts of a large
export with it.

Spreadsheet safety (formula injection): a text cell or header that starts with `=`, `+`, `-`,
`@`, tab, carriage return or line feed gets a leading `'`, so Excel, LibreOffice and Google
Sheets show it as text instead of running it. Numbers stay numbers: only text is touched. XLSX
cells are written with an explicit string type, never as formulas or hyperlinks.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO, Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from common.jsonsafe import json_safe
from common.numbers import DECIMALS, PERCENT_DECIMALS, number_text
from common.storage import open_url

DANGEROUS_FIRST_CHARACTERS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_CHUNK_ROWS = 100_000  # bounded memory per write; measured no slower than one to_csv call
CSV_LINE_END = "\r\n"
PART_CLUSTER, PART_CONFIDENCE = "__cluster__", "__confidence__"  # csv_part's assignment columns
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit (1,048,576) minus the header row


class ExportInputError(ValueError):
    """The export cannot be made as asked; the message says why, for the user."""


def safe_text(value: str) -> str:
    """One text value made inert in a spreadsheet (see the module docstring)."""
    return "'" + value if value.startswith(DANGEROUS_FIRST_CHARACTERS) else value


def _safe_strings(values: pd.Series) -> pd.Series:
    text = values.astype("string")
    dangerous = text.str[:1].isin(DANGEROUS_FIRST_CHARACTERS).fillna(False).to_numpy(dtype=bool)
    if not dangerous.any():
        return values
    out = values.astype(object).copy()
    out[dangerous] = "'" + text[dangerous].astype(object)
    return out


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose headers and text cells are safe to open in a spreadsheet. Vectorised: text
    columns are checked with one string operation each; categoricals through their categories."""
    safe = frame.copy(deep=False)
    safe.columns = [safe_text(str(c)) for c in frame.columns]
    for position, column in enumerate(frame.columns):
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = values.cat.categories
            if categories.dtype.kind in "OSUT" or pd.api.types.is_string_dtype(categories):
                renamed = [safe_text(str(c)) for c in categories]
                if renamed != [str(c) for c in categories]:
                    values = values.cat.rename_categories(renamed)
        elif pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
            values = _safe_strings(values)
        else:
            continue
        safe.isetitem(position, values)
    return safe


def write_csv(
    frame: pd.DataFrame,
    handle: IO[str],
    *,
    chunk_rows: int = CSV_CHUNK_ROWS,
    header: bool = True,
) -> int:
    """Write a spreadsheet-safe CSV in chunks of `chunk_rows`; returns the rows written.
    `handle` is a text file opened with `newline=""`. Without `header`, the rows only (a part
    that follows another)."""
    safe = spreadsheet_safe(frame)
    # CRLF ends rows (RFC 4180), and makes the writer quote any field holding a CR or an LF, so
    # a stray carriage return inside a value never splits a row.
    if header:
        safe.iloc[:0].to_csv(handle, index=False, lineterminator=CSV_LINE_END)
    for start in range(0, len(safe), chunk_rows):
        safe.iloc[start : start + chunk_rows].to_csv(
            handle, index=False, header=False, lineterminator=CSV_LINE_END
        )
    return len(safe)


def with_assignments(
    frame: pd.DataFrame,
    *,
    cluster: np.ndarray,
    confidence: np.ndarray,
    names: dict[int, str],
) -> pd.DataFrame:
    """The rows of `frame` with `cluster` (float labels, NaN where unassigned), `cluster_name` and
    `confidence` (rounded to 2 decimals) appended; a data column of the same name is never
    overwritten (the appended one is `<name>_assigned`)."""
    cluster = np.asarray(cluster, dtype=float)
    labels = (
        pd.array(cluster, dtype="Int64") if np.isnan(cluster).any() else cluster.astype(np.int64)
    )
    cluster_name = pd.Categorical(
        pd.Series(labels).map(names), categories=sorted(set(names.values()))
    )
    out = frame.copy(deep=False)
    appended = (
        ("cluster", labels),
        ("cluster_name", cluster_name),
        ("confidence", np.round(np.asarray(confidence, dtype=float), 2)),
    )
    for name, values in appended:
        out[name if name not in frame.columns else f"{name}_assigned"] = values
    return out


def csv_part(
    frame: pd.DataFrame,
    url: str,
    storage_options: dict[str, Any],
    *,
    names: dict[int, str],
    columns: list[str] | None,
    header: bool,
) -> int:
    """One partition of a large assignments export written as spreadsheet-safe CSV to `url`:
    `frame` holds the dataset's columns and `__cluster__` / `__confidence__`; returns its rows.
    Run on a Dask worker; the parts, joined in order, are the export's file."""
    table = with_assignments(
        frame.drop(columns=[PART_CLUSTER, PART_CONFIDENCE]),
        cluster=frame[PART_CLUSTER].to_numpy(dtype=float),
        confidence=frame[PART_CONFIDENCE].to_numpy(dtype=float),
        names=names,
    )
    if columns:
        table = table[columns]
    with open_url(url, "w", storage_options, newline="", encoding="utf-8") as handle:
        return write_csv(table.reset_index(drop=True), handle, header=header)


def write_json(document: Any, handle: IO[str]) -> None:
    """Write a JSON document (report dict or records) with numpy and NaN made valid JSON."""
    json.dump(json_safe(document), handle, indent=2, ensure_ascii=False)


def write_json_records(
    frame: pd.DataFrame, handle: IO[str], *, chunk_rows: int = CSV_CHUNK_ROWS
) -> int:
    """Write a frame as a JSON array of row objects in chunks (bounded memory)."""
    handle.write("[")
    for start in range(0, len(frame), chunk_rows):
        chunk = frame.iloc[start : start + chunk_rows].to_json(
            orient="records", date_format="iso", force_ascii=False
        )
        if start:
            handle.write(",")
        handle.write(chunk[1:-1])
    handle.write("]")
    return len(frame)


def _xlsx_value(value: Any) -> tuple[Any, bool]:
    """(cell value, is_text). Text is cleaned of characters XLSX cannot hold and made safe."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, False
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int):
        return value, False
    if isinstance(value, float):
        return (value if math.isfinite(value) else None), False
    if isinstance(value, datetime | date | pd.Timestamp):
        return value, False
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return safe_text(text), True


def write_xlsx(sheets: dict[str, pd.DataFrame], handle: IO[bytes]) -> int:
    """Write one worksheet per frame (bold, safe headers); returns the data rows written. Text
    cells are typed as strings explicitly, so openpyxl never writes a formula or a link."""
    for name, frame in sheets.items():
        if len(frame) > XLSX_MAX_ROWS:
            raise ExportInputError(
                f"Sheet '{name}' has {len(frame):,} rows; XLSX holds at most {XLSX_MAX_ROWS:,}. "
                "Export CSV instead, or filter the rows."
            )
    workbook = Workbook(write_only=True)
    written = 0
    bold = Font(bold=True)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(title=ILLEGAL_CHARACTERS_RE.sub("", name)[:31] or "Sheet")
        header = []
        for column in frame.columns:
            cell = WriteOnlyCell(sheet, value=safe_text(ILLEGAL_CHARACTERS_RE.sub("", str(column))))
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        text_columns = [
            i
            for i, column in enumerate(frame.columns)
            if not pd.api.types.is_numeric_dtype(frame[column].dtype)
            or pd.api.types.is_bool_dtype(frame[column].dtype)
        ]
        for row in frame.itertuples(index=False, name=None):
            cells: list[Any] = list(row)
            for i in text_columns:
                value, is_text = _xlsx_value(cells[i])
                if is_text:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    cells[i] = cell
                else:
                    cells[i] = value
            for i, value in enumerate(cells):
                if isinstance(value, float) and not math.isfinite(value):
                    cells[i] = None
            sheet.append(cells)
            written += 1
    workbook.save(handle)
    return written


# --- Standalone HTML report --------------------------------------------------------------------


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: no `</script>` or comment can close it."""
    text = json.dumps(json_safe(value), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _plotly_js() -> str:
    """plotly.js from the installed plotly package: the report works offline, no CDN."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _table_html(records: list[dict[str, Any]]) -> str:
    if not records:
        return "<p>No rows.</p>"
    columns = list(records[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_cell_text(r.get(c), column=c))}</td>" for c in columns)
        + "</tr>"
        for r in records
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell_text(value: Any, *, column: str = "") -> str:
    """A cell as the pages write it (`config.numbers.number_text`; percentages to 1 decimal)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, dict | list):
        return json.dumps(json_safe(value), ensure_ascii=False)
    return number_text(value, PERCENT_DECIMALS if "percent" in column else DECIMALS)


def _metrics_html(metrics: dict[str, Any]) -> str:
    items = "".join(
        f"<div class='metric'><span>{html.escape(str(k).replace('_', ' '))}</span>"
        f"<strong>{html.escape(_cell_text(v, column=k))}</strong></div>"
        for k, v in metrics.items()
        if not isinstance(v, dict | list)
    )
    return f"<div class='metrics'>{items}</div>"


def _cluster_cards(clusters: Iterable[dict[str, Any]]) -> str:
    cards = []
    for cluster in clusters:
        traits = "".join(
            f"<li>{html.escape(_cell_text(t))}</li>" for t in cluster.get("characteristics") or []
        )
        cards.append(
            "<article class='card'>"
            f"<h3>{html.escape(str(cluster.get('name', '')))}</h3>"
            f"<p class='size'>{_cell_text(cluster.get('size'))} customers "
            f"({_cell_text(cluster.get('percentage'), column='percentage')}%)</p>"
            f"<p>{html.escape(str(cluster.get('summary') or ''))}</p>"
            + (f"<ul>{traits}</ul>" if traits else "")
            + (
                f"<p class='rec'><strong>Recommendation:</strong> "
                f"{html.escape(str(cluster['recommendation']))}</p>"
                if cluster.get("recommendation")
                else ""
            )
            + "</article>"
        )
    return "<div class='cards'>" + "".join(cards) + "</div>"


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222}
h1{margin-bottom:.2rem} .sub{color:#666;margin-top:0}
.metrics{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.metric{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:10rem}
.metric span{display:block;color:#666;font-size:.85rem} .metric strong{font-size:1.2rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:1rem}
.card{border:1px solid #ddd;border-radius:6px;padding:1rem} .size{color:#555}
.rec{background:#f4f8ff;padding:.5rem;border-radius:4px}
.chart{height:460px;margin:1rem 0}
table{border-collapse:collapse;margin:1rem 0} td,th{border:1px solid #ddd;padding:.3rem .6rem}
"""


def html_report(
    *,
    title: str,
    subtitle: str,
    metrics: dict[str, Any],
    clusters: list[dict[str, Any]],
    figures: dict[str, dict[str, Any]],
    tables: dict[str, list[dict[str, Any]]] | None = None,
) -> str:
    """A single HTML file: metrics, cluster cards (name, size, summary, characteristics,
    recommendation), optional tables and the Plotly figures, with plotly.js embedded. It loads
    nothing from the network; every text from the data is HTML-escaped."""
    chart_divs = []
    chart_scripts = []
    for index, (name, figure) in enumerate(figures.items()):
        element = f"chart-{index}"
        chart_divs.append(f"<h3>{html.escape(name)}</h3><div id='{element}' class='chart'></div>")
        chart_scripts.append(
            f"(function(){{var f={_script_json(figure)};"
            f"Plotly.newPlot('{element}',f.data,f.layout,{{responsive:true}});}})();"
        )
    table_html = "".join(
        f"<h2>{html.escape(name)}</h2>{_table_html(records)}"
        for name, records in (tables or {}).items()
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script>{_plotly_js()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='sub'>{html.escape(subtitle)}</p>"
        f"<h2>Metrics</h2>{_metrics_html(metrics)}"
        + (f"<h2>Segments</h2>{_cluster_cards(clusters)}" if clusters else "")
        + table_html
        + ("<h2>Charts</h2>" + "".join(chart_divs) if chart_divs else "")
        + f"<script>{''.join(chart_scripts)}</script></body></html>"
    )
