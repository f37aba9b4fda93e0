"""The pure ingest core, without a database: encoding, dialect, parsing, kinds, roles, quality."""

import codecs
import io
import json
import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from datasets.ingest import IngestError, IngestLimits, ingest
from datasets.ingest.quality import pairwise_pearson
from datasets.ingest.records import json_rows
from datasets.ingest.roles import name_tokens


def kinds_of(result) -> dict[str, str]:
    return {column["name"]: column["kind"] for column in result.schema}


def roles_of(result) -> dict[str, str | None]:
    return {column["name"]: column["role"] for column in result.schema}


def test_ingest_utf8_bom_is_removed_from_first_column_name():
    result = ingest(codecs.BOM_UTF8 + b"age,income\n30,50\n40,60\n")
    assert list(result.frame.columns) == ["age", "income"]
    assert result.encoding == "utf-8-sig"


def test_ingest_cp1252_falls_back_when_not_utf8():
    content = "name,city,age\nJosé,Köln,30\nZoë,Málaga,40\n".encode("cp1252")
    result = ingest(content)
    assert result.encoding == "cp1252"
    assert result.frame["city"].tolist() == ["Köln", "Málaga"]


def test_ingest_utf16_with_bom_is_decoded():
    result = ingest("age,income\n30,50\n40,60\n".encode("utf-16"))
    assert result.frame["age"].tolist() == [30, 40]


def test_ingest_nul_characters_are_removed_and_noted():
    result = ingest(b"name,age\nA\x00na,30\nBen,40\n")
    assert result.frame["name"].tolist() == ["Ana", "Ben"]
    assert "1 NUL characters were removed from the file." in result.quality["warnings"]


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        (b"a;b;c\n1;2;3\n4;5;6\n", ";"),
        (b"a\tb\tc\n1\t2\t3\n4\t5\t6\n", "\t"),
        (b'a,b,c\n1,"2;2",3\n4,5,6\n', ","),
        (b"a|b|c\n1|2|3\n4|5|6\n", "|"),
    ],
)
def test_ingest_delimiter_is_sniffed(content, delimiter):
    result = ingest(content)
    assert result.delimiter == delimiter
    assert list(result.frame.columns) == ["a", "b", "c"]


def test_ingest_quoted_newlines_stay_inside_the_value():
    result = ingest(b'id,note,age\n1,"first line\nsecond line",30\n2,plain,40\n')
    assert result.frame["note"].tolist() == ["first line\nsecond line", "plain"]
    assert result.frame["age"].tolist() == [30, 40]


def test_ingest_thousands_separators_are_numbers():
    result = ingest(b'id,income\n1,"1,234.5"\n2,"12,000"\n3,800\n')
    assert result.frame["income"].tolist() == [1234.5, 12000.0, 800.0]


def test_ingest_decimal_comma_in_semicolon_file_is_a_number():
    result = ingest(b"id;income;score\n1;1.234,5;3,5\n2;2,25;4\n3;7;5\n")
    assert result.frame["income"].tolist() == [1234.5, 2.25, 7.0]
    assert result.frame["score"].tolist() == [3.5, 4.0, 5.0]


def test_ingest_na_none_null_are_values_in_text_and_missing_in_numbers():
    result = ingest(b"region,income\nNA,10\nNone,NA\nnull,null\nNorth,None\n")
    assert result.frame["region"].tolist() == ["NA", "None", "null", "North"]
    assert result.frame["income"].isna().tolist() == [False, True, True, True]
    assert kinds_of(result)["income"] == "numeric"


def test_ingest_mixed_types_are_resolved_over_the_whole_column():
    # 300,000 numbers and one text value at the end: pyarrow reads the column in many blocks.
    rows = "".join(f"{i},{i % 97}\n" for i in range(300_000))
    result = ingest(("id,score\n" + rows + "300000,n/a-ish\n").encode())
    assert kinds_of(result)["score"] == "numeric"
    assert result.frame["score"].isna().sum() == 1
    assert result.quality["non_numeric_values"]["score"] == {"count": 1, "examples": ["n/a-ish"]}


def test_ingest_text_column_with_few_numbers_stays_categorical():
    result = ingest(b"id,size,age\n1,S,30\n2,M,31\n3,L,32\n4,42,33\n")
    assert kinds_of(result)["size"] == "categorical"
    assert result.frame["size"].tolist() == ["S", "M", "L", "42"]


def test_ingest_infinity_is_missing():
    result = ingest(b"id,score\n1,inf\n2,3.5\n3,4.5\n")
    assert result.frame["score"].isna().tolist() == [True, False, False]


def test_ingest_dates_are_datetime_kind():
    result = ingest(b"id,joined,age\n1,2024-01-05,30\n2,2023-12-31,40\n")
    assert kinds_of(result)["joined"] == "datetime"
    assert str(result.frame["joined"].dtype).startswith("datetime64")


def test_ingest_slash_dates_are_parsed_by_their_format():
    result = ingest(b"id,joined,age\n1,31/01/2024,30\n2,15/12/2023,40\n")
    assert kinds_of(result)["joined"] == "datetime"
    assert result.frame["joined"].dt.month.tolist() == [1, 12]


def test_ingest_kinds_and_roles_of_mall_customers():
    content = (
        b"CustomerID,Genre,Age,Annual Income (k$),Spending Score (1-100)\n"
        b"1,Male,19,15,39\n2,Male,21,15,81\n3,Female,20,16,6\n4,Female,23,16,77\n"
    )
    result = ingest(content)
    assert kinds_of(result) == {
        "CustomerID": "id",
        "Genre": "categorical",
        "Age": "numeric",
        "Annual Income (k$)": "numeric",
        "Spending Score (1-100)": "numeric",
    }
    assert roles_of(result) == {
        "CustomerID": "customer_id",
        "Genre": None,
        "Age": "age",
        "Annual Income (k$)": "income",
        "Spending Score (1-100)": "spending_score",
    }
    assert result.id_column == "CustomerID"


def test_ingest_roles_from_names_and_content():
    rows = "".join(
        f"U{i},user{i}@example.com,{'F' if i % 2 else 'M'},{20 + i},{i % 3},{10 + i},{i}\n"
        for i in range(150)
    )
    header = "client_id,contact,sex,age,purchase_frequency,avg_purchase_amount,tenure_months\n"
    result = ingest((header + rows).encode())
    assert roles_of(result) == {
        "client_id": "customer_id",
        "contact": "email",
        "sex": "gender",
        "age": "age",
        "purchase_frequency": "purchase_frequency",
        "avg_purchase_amount": "purchase_amount",
        "tenure_months": "tenure",
    }
    assert kinds_of(result)["contact"] == "text"


def test_ingest_customer_value_roles_from_names_and_values():
    rows = "".join(f"C{i},{i % 90},{1 + i % 4},{10.5 * i:.2f},{400 - i}\n" for i in range(150))
    header = "customer_id,days_since_last_purchase,order_count,total_spent,days_since_first_order\n"
    result = ingest((header + rows).encode())
    assert roles_of(result) == {
        "customer_id": "customer_id",
        "days_since_last_purchase": "recency",
        "order_count": "frequency",
        "total_spent": "monetary",
        "days_since_first_order": "tenure",
    }


def test_ingest_negative_values_get_no_customer_value_role():
    rows = "".join(f"{i - 75},{i % 5 - 2},{i},{i}\n" for i in range(150))
    result = ingest(("recency,tenure,monetary,account_age\n" + rows).encode())
    assert roles_of(result) == {
        "recency": None,
        "tenure": None,
        "monetary": "monetary",
        "account_age": "tenure",
    }


def test_ingest_age_named_text_column_gets_no_age_role():
    result = ingest(b"id,age,income\n1,young,10\n2,old,20\n3,young,30\n")
    assert roles_of(result)["age"] is None


def test_name_tokens_split_camel_case_and_symbols():
    assert name_tokens("Annual Income (k$)") == ["annual", "income", "k"]
    assert name_tokens("CustomerID") == ["customer", "id"]


def test_ingest_quality_report_counts_duplicates_constants_outliers():
    rows = ["1,5,A,10"] * 3 + [f"{i},5,B,{10 + i % 3}" for i in range(2, 40)] + ["99,5,B,1000"]
    result = ingest(("grp,const,cat,value\n" + "\n".join(rows) + "\n").encode())
    quality = result.quality
    assert quality["duplicate_rows"] == 2
    assert quality["constant_columns"] == ["const"]
    assert quality["outliers"]["value"] == 1
    assert quality["total_rows"] == 42
    assert quality["memory_usage_mb"] > 0
    assert any("same value in every row" in warning for warning in quality["warnings"])
    assert any("2 rows are exact duplicates" in warning for warning in quality["warnings"])


def test_ingest_high_cardinality_category_is_flagged():
    rows = "".join(f"{i},city{i % 60},{i}\n" for i in range(200))
    result = ingest(("id,city,score\n" + rows).encode())
    assert result.quality["high_cardinality_columns"] == ["city"]


def test_ingest_statistics_and_correlation_have_no_nan():
    result = ingest(b"id,a,b,c\n1,1,5,7\n2,2,5,\n3,3,5,\n")
    text = json.dumps({"s": result.statistics, "q": result.quality, "c": result.correlation})
    assert "NaN" not in text
    assert result.correlation["features"] == ["a", "b", "c"]
    assert result.correlation["matrix"][0][1] is None  # b is constant: undefined correlation
    assert result.statistics["a"]["mean"] == 2.0


def test_ingest_duplicate_customer_ids_are_reported():
    result = ingest(b"customer_id,age\nC1,30\nC1,40\nC2,50\n")
    assert result.quality["duplicate_ids"] == 1
    assert kinds_of(result)["customer_id"] == "categorical"  # not unique: not an id kind


def test_ingest_gzip_named_file_is_not_decompressed():
    with pytest.raises(IngestError, match="gzip-compressed"):
        ingest(b"\x1f\x8b\x08\x00" + b"\x00" * 40)


def test_ingest_row_limit_is_enforced():
    with pytest.raises(IngestError, match="The file has 3 rows; the limit is 2"):
        ingest(b"a,b\n1,2\n3,4\n5,6\n", limits=IngestLimits(max_rows=2))


def test_json_rows_of_the_parquet_copy_are_strict_json_values():
    frame = pd.DataFrame(
        {
            "n": [1, 2, 3],
            "x": [1.5, np.nan, np.inf],
            "s": pd.Series(['quote " and \\ back', None, "tab\there\x01ctl"], dtype="str"),
            "c": pd.Categorical(["a", "b", None]),
            "t": pd.to_datetime(["2020-01-01", None, "2021-05-06 10:00"], format="ISO8601"),
            'we"ird key': ["é", "ü", "ß"],
        }
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    decoded = json_rows(pq.read_table(io.BytesIO(buffer.getvalue())))
    json.dumps(decoded, allow_nan=False)  # NaN and infinities are gone
    assert decoded[0] == {
        "n": 1,
        "x": 1.5,
        "s": 'quote " and \\ back',
        "c": "a",
        "t": "2020-01-01T00:00:00",
        'we"ird key': "é",
    }
    assert decoded[1]["x"] is None
    assert decoded[1]["s"] is None
    assert decoded[2]["x"] is None  # infinity is not JSON
    assert decoded[2]["s"] == "tab\there\x01ctl"
    assert decoded[2]["c"] is None
    assert not any(isinstance(v, float) and math.isnan(v) for row in decoded for v in row.values())


def test_pairwise_pearson_equals_pandas_corr_with_gaps_and_constant_columns():
    rng = np.random.default_rng(7)
    n = 200_000  # several blocks
    x = rng.normal(50, 10, n)
    frame = pd.DataFrame(
        {
            "x": x,
            "y": 3 * x + rng.normal(0, 5, n),
            "z": np.where(rng.random(n) < 0.3, np.nan, rng.normal(0, 1, n)),
            "big": rng.integers(10**12, 10**12 + 1000, n),
            "constant": np.full(n, 4.0),
            "sparse": np.where(np.arange(n) == 5, 1.0, np.nan),  # one value: undefined
        }
    )
    got = pairwise_pearson([frame[c].to_numpy() for c in frame.columns])
    by_pandas = frame.corr(method="pearson").to_numpy()
    assert np.isnan(got).tolist() == np.isnan(by_pandas).tolist()
    # pandas drifts by ~4e-8 on the column of values near 10**12; np.corrcoef of the rows both
    # columns have, centred first, is the reference.
    np.testing.assert_allclose(got, by_pandas, atol=1e-6, equal_nan=True)
    for i, a in enumerate(frame.columns):
        for j, b in enumerate(frame.columns):
            both = frame[[a, b]].dropna().astype("float64")
            if np.isnan(got[i, j]):
                continue
            centred = both - both.mean()
            exact = np.corrcoef(centred[a], centred[b])[0, 1] if a != b else 1.0
            assert got[i, j] == pytest.approx(exact, abs=1e-12), (a, b)
