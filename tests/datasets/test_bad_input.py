"""Every refused upload answers a clear 4xx and leaves nothing behind: no Dataset, no Customer,
no current dataset, no file under MEDIA_ROOT."""

import gzip
import io
import os
import zipfile

import pytest

from datasets.models import CurrentDataset, Customer, Dataset
from datasets.selectors import customer_attributes
from tests.datasets.conftest import media_files

pytestmark = pytest.mark.django_db

GOOD = b"customer_id,age,income\nC1,30,50\nC2,40,60\nC3,50,70\n"


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


BAD_UPLOADS = [
    pytest.param(b"", "customers.csv", {}, 400, "The file is empty", id="empty-file"),
    pytest.param(b" \n\t\r\n   \n", "customers.csv", {}, 400, "only whitespace", id="whitespace"),
    pytest.param(b"age,income\n", "customers.csv", {}, 400, "no data rows", id="header-only"),
    pytest.param(
        b"age,income\n30,50\n", "customers.csv", {}, 400, "only 1 data row", id="single-row"
    ),
    pytest.param(
        os.urandom(64) + bytes(range(32)) * 40, "data.csv", {}, 400, "binary", id="binary"
    ),
    pytest.param(_xlsx_bytes(), "customers.csv", {}, 400, "Excel workbook", id="xlsx-renamed"),
    # Document 000: a name not ending in .csv is refused before its bytes are looked at.
    pytest.param(
        gzip.compress(GOOD),
        "customers.csv.gz",
        {},
        400,
        "Only CSV files are allowed",
        id="gzip-not-guessed",
    ),
    pytest.param(gzip.compress(GOOD), "customers.csv", {}, 400, "gzip", id="gzip-named-csv"),
    pytest.param(
        b"Dear team,\nplease find the figures attached.\nThanks\n",
        "notes.txt",
        {},
        400,
        "Only CSV files are allowed",
        id="txt-without-table",
    ),
    pytest.param(
        b"Dear team,\nplease find the figures attached.\nThanks\n",
        "notes.csv",
        {},
        400,
        "No table found",
        id="csv-without-table",
    ),
    pytest.param(GOOD, "customers.txt", {}, 400, "Only CSV files are allowed", id="csv-as-txt"),
    pytest.param(GOOD, "customers", {}, 400, "Only CSV files are allowed", id="no-extension"),
    pytest.param(
        b"name,region\nAna,North\nBen,South\nCy,East\n",
        "customers.csv",
        {},
        400,
        "No numeric column",
        id="no-numeric-column",
    ),
    pytest.param(
        b"id,age,income\n1,30,50\n2,40\n3,50,70\n",
        "customers.csv",
        {},
        400,
        "Line 3 has 2 fields but the header has 3",
        id="ragged-rows",
    ),
    pytest.param(
        b"id,age,notes\n1,30,\n2,40,\n3,50,\n",
        "customers.csv",
        {},
        400,
        "Column 'notes' has no values at all",
        id="all-missing-column",
    ),
    pytest.param(
        (",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" * 10_000) + "\n").encode(),
        "wide.csv",
        {},
        400,
        "The file has 10000 columns; the limit is 500",
        id="10000-columns",
    ),
    pytest.param(GOOD, "customers.csv", {"MAX_DATASET_ROWS": 2}, 400, "the limit is 2", id="rows"),
    pytest.param(
        GOOD, "customers.csv", {"MAX_DATASET_COLUMNS": 2}, 400, "the limit is 2", id="columns"
    ),
    pytest.param(
        GOOD, "customers.csv", {"PARSE_TIME_LIMIT_S": 0}, 400, "took longer than 0 s", id="time"
    ),
    pytest.param(
        GOOD * 40,
        "customers.csv",
        {"MAX_UPLOAD_BYTES": 1024},
        413,
        "the upload limit is 1024 bytes",
        id="too-large",
    ),
]


@pytest.mark.parametrize(("content", "filename", "overrides", "status", "message"), BAD_UPLOADS)
def test_upload_bad_input_is_refused_and_leaves_nothing_behind(
    analyst_client, upload, settings, content, filename, overrides, status, message
):
    for name, value in overrides.items():
        setattr(settings, name, value)
    response = upload(analyst_client, content, path="/api/upload", name=filename)
    assert response.status_code == status, response.content
    assert message in response.json()["error"]
    assert not Dataset.objects.exists()
    assert not Customer.objects.exists()
    assert not CurrentDataset.objects.exists()
    assert media_files(settings.MEDIA_ROOT) == []


def test_upload_over_limit_by_content_length_is_413_before_parsing(analyst_client, settings):
    settings.MAX_UPLOAD_BYTES = 10
    response = analyst_client.post(
        "/api/v1/datasets/",
        data=b"x" * (70 * 1024),
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert response.status_code == 413
    assert "the upload limit is 10 bytes" in response.json()["detail"]
    assert not Dataset.objects.exists()


def test_upload_duplicate_header_names_are_renamed_and_said(analyst_client, upload):
    response = upload(analyst_client, b"id,age,age,income\n1,30,31,50\n2,40,41,60\n")
    assert response.status_code == 201
    names = [column["name"] for column in response.json()["schema"]]
    assert names == ["id", "age", "age_2", "income"]
    assert (
        "Duplicate column name 'age': column 3 was renamed 'age_2'." in response.json()["warnings"]
    )


def test_upload_text_in_numeric_column_becomes_missing_and_is_reported(analyst_client, upload):
    rows = "".join(f"C{i},{20 + i},{40 + i}\n" for i in range(30))
    content = ("customer_id,age,income\n" + rows + "C99,thirty,unknown\n").encode()
    body = upload(analyst_client, content).json()
    kinds = {column["name"]: (column["kind"], column["missing"]) for column in body["schema"]}
    assert kinds["age"] == ("numeric", 1)
    assert kinds["income"] == ("numeric", 1)
    assert any(
        "Column 'age' had 1 values that are not numbers (e.g. 'thirty')" in w
        for w in body["warnings"]
    )


def test_upload_cells_are_data_never_html_sql_or_formulas(analyst_client, upload):
    content = (
        b'<script>alert(1)</script>,"x\'); DROP TABLE datasets_customer;--",age\n'
        b"=cmd|' /C calc'!A0,\"<b>bold</b>\",30\n"
        b"+SUM(A1:A2),@import,40\n"
    )
    response = upload(analyst_client, content)
    assert response.status_code == 201
    dataset = Dataset.objects.get()
    first = customer_attributes(dataset=dataset, row_numbers=[0])[0]
    assert first["<script>alert(1)</script>"] == "=cmd|' /C calc'!A0"
    assert first["x'); DROP TABLE datasets_customer;--"] == "<b>bold</b>"
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("path", ["/api/upload", "/api/v1/datasets/upload", "/api/v1/datasets/"])
def test_upload_of_csv_content_named_txt_is_400_on_every_upload_path(analyst_client, upload, path):
    response = upload(analyst_client, GOOD, path=path, name="customers.txt")
    assert response.status_code == 400, response.content
    assert "Only CSV files are allowed: 'customers.txt' does not end in .csv." in str(
        response.json()
    )
    assert not Dataset.objects.exists()


@pytest.mark.parametrize("path", ["/api/upload", "/api/v1/datasets/upload"])
def test_upload_named_csv_in_capitals_is_accepted(analyst_client, upload, path):
    response = upload(analyst_client, GOOD, path=path, name="CUSTOMERS.CSV")
    assert response.status_code in (200, 201), response.content
    assert Dataset.objects.get().original_filename == "CUSTOMERS.CSV"
