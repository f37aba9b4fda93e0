"""Export writers: CSV, JSON, XLSX read back and compared; formulas neutralised; standalone
HTML with no external script (pure, no database)."""

import csv
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from reports import exports

DANGEROUS = ["=SUM(A1:A9)", "+1+2", "-3+cmd", "@SUM(1)", "\tTAB", "\rCR", "\nLF"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6", "C7"],
            "note": DANGEROUS,
            "amount": [-5.5, 1.25, -3.0, 0.0, 7.0, np.nan, 2.0],
            "visits": [-1, 2, 3, 4, 5, 6, 7],
            "cluster_name": pd.Categorical(['=HYPERLINK("http://x")', "Plain"] * 3 + ["Plain"]),
            "=bad header": ["a"] * 7,
        }
    )


def test_safe_text_prefixes_each_dangerous_first_character():
    for value in DANGEROUS:
        assert exports.safe_text(value) == "'" + value
    assert exports.safe_text("Plain text") == "Plain text"
    assert exports.safe_text("") == ""


def test_write_csv_reads_back_equal_with_formulas_neutralised():
    frame = _frame()
    handle = io.StringIO(newline="")
    assert exports.write_csv(frame, handle, chunk_rows=3) == 7
    rows = list(csv.reader(io.StringIO(handle.getvalue(), newline="")))
    assert rows[0] == ["customer_id", "note", "amount", "visits", "cluster_name", "'=bad header"]
    assert len(rows) == 8  # header once, then every row once across the chunks
    assert [r[1] for r in rows[1:]] == ["'" + v for v in DANGEROUS]
    assert rows[1][4] == '\'=HYPERLINK("http://x")'
    # Numbers stay numbers: a negative number is not prefixed, a missing one is empty.
    assert [r[2] for r in rows[1:]] == ["-5.5", "1.25", "-3.0", "0.0", "7.0", "", "2.0"]
    assert rows[1][3] == "-1"
    back = pd.read_csv(io.StringIO(handle.getvalue()))
    pd.testing.assert_series_equal(back["amount"], frame["amount"])
    assert list(back["customer_id"]) == list(frame["customer_id"])


def test_write_csv_leaves_safe_text_untouched():
    frame = pd.DataFrame({"name": ["Ann", "Bob"], "n": [1, 2]})
    handle = io.StringIO(newline="")
    exports.write_csv(frame, handle)
    assert handle.getvalue() == "name,n\r\nAnn,1\r\nBob,2\r\n"


def test_write_xlsx_reads_back_with_strings_never_formulas():
    frame = _frame()
    handle = io.BytesIO()
    assert exports.write_xlsx({"Customers": frame}, handle) == 7
    handle.seek(0)
    sheet = load_workbook(handle)["Customers"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][5] == "'=bad header"
    assert sheet["A1"].font.bold
    # XML reads a lone CR back as LF (XML line-end normalisation); the prefix is what matters.
    assert [r[1] for r in rows[1:]] == ["'" + v.replace("\r", "\n") for v in DANGEROUS]
    assert [r[2] for r in rows[1:]] == [-5.5, 1.25, -3.0, 0.0, 7.0, None, 2.0]
    assert rows[1][3] == -1
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            assert cell.hyperlink is None


def test_write_xlsx_too_many_rows_raises_before_writing(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    with pytest.raises(exports.ExportInputError, match="Export CSV instead"):
        exports.write_xlsx({"Customers": _frame()}, io.BytesIO())


def test_write_xlsx_drops_characters_xlsx_cannot_hold():
    handle = io.BytesIO()
    exports.write_xlsx({"S": pd.DataFrame({"t": ["a\x00b\x07c"]})}, handle)
    handle.seek(0)
    assert load_workbook(handle)["S"]["A2"].value == "abc"


def test_write_json_records_reads_back_equal_across_chunks():
    frame = pd.DataFrame({"id": ["a", "b", "c", "d", "e"], "x": [1.5, None, 3.0, 4.0, 5.0]})
    handle = io.StringIO()
    exports.write_json_records(frame, handle, chunk_rows=2)
    back = json.loads(handle.getvalue())
    assert [r["id"] for r in back] == ["a", "b", "c", "d", "e"]
    assert back[1]["x"] is None


def test_write_json_report_turns_nan_and_numpy_into_valid_json():
    handle = io.StringIO()
    exports.write_json({"a": np.float64("nan"), "b": np.int64(3), "c": [np.inf]}, handle)
    assert json.loads(handle.getvalue()) == {"a": None, "b": 3, "c": [None]}


def test_html_report_is_standalone_and_escapes_text():
    figure = {"data": [{"type": "bar", "x": ["A"], "y": [1]}], "layout": {}}
    document = exports.html_report(
        title="Report <script>alert(1)</script>",
        subtitle="run 1",
        metrics={"silhouette_score": 0.5},
        clusters=[
            {
                "name": "</script><b>Big</b>",
                "size": 10,
                "percentage": 50.0,
                "summary": "Spends a lot",
                "characteristics": ["High income"],
                "recommendation": "Upsell",
            }
        ],
        figures={"Sizes": figure},
        tables={"Segments": [{"segment_name": "=1+1", "total_customers": 3}]},
    )
    assert not re.search(r"<script[^>]*\bsrc\s*=", document, re.IGNORECASE)
    assert not re.search(r"<link[^>]*href\s*=\s*['\"]?https?:", document, re.IGNORECASE)
    assert "<script>alert(1)</script>" not in document
    assert "&lt;/script&gt;&lt;b&gt;Big&lt;/b&gt;" in document
    assert "Plotly.newPlot('chart-0'" in document
    assert "Upsell" in document
    assert "High income" in document
    # plotly.js itself is embedded (megabytes), so the charts draw offline.
    assert len(document) > 1_000_000
    assert document.count("</script>") == document.count("<script>")
