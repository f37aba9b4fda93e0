"""Property tests of the ingest core: whatever the bytes, a result or a clean IngestError."""

import csv
import io
import json

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datasets.ingest import IngestError, ingest
from datasets.ingest.records import json_rows

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _strict_json(value) -> str:
    """Fails on NaN or infinity, as PostgreSQL and browsers would."""
    return json.dumps(value, allow_nan=False)


def _parquet_round_trip(frame):
    """The frame as the Parquet copy stores it and the customer look-ups read it back."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return pq.read_table(io.BytesIO(buffer.getvalue()))


def _ingest(data: bytes):
    """The result, or None after checking the error is a sentence for the user."""
    try:
        return ingest(data)
    except IngestError as exc:
        message = str(exc)
    assert message.endswith((".", ")")), message
    return None


def _check_result(result) -> None:
    _strict_json(result.schema)
    _strict_json(result.statistics)
    _strict_json(result.quality)
    _strict_json(result.correlation)
    assert len(result.schema) == result.frame.shape[1]
    for row in json_rows(_parquet_round_trip(result.frame)):
        text = _strict_json(row)
        assert "\x00" not in text


@FAST
@given(st.binary(max_size=600))
def test_ingest_arbitrary_bytes_give_result_or_ingest_error(data):
    result = _ingest(data)
    if result is not None:
        _check_result(result)


cells = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
    st.sampled_from(["NA", "None", "null", "", " ", "1,234.5", "2024-01-05", "=SUM(A1)"]),
)


@st.composite
def tables(draw):
    width = draw(st.integers(min_value=1, max_value=5))
    header = draw(st.lists(st.text(max_size=8), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), min_size=0, max_size=12))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding), len(rows)


@FAST
@given(tables())
def test_ingest_arbitrary_tables_keep_every_row_or_say_why(table):
    data, n_rows = table
    result = _ingest(data)
    if result is not None:
        _check_result(result)
        assert len(result.frame) == n_rows
