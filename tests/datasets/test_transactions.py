"""The purchase-log core (datasets/ingest/transactions.py), DB-free, against a table computed by
hand: ties (two lines the same day, two customers alike), one-purchase customers, refunds as
negative lines, returns by quantity, the as-of date, and the errors naming column and line."""

from datetime import date

import pandas as pd
import pyarrow as pa
import pytest

from datasets.ingest import ingest
from datasets.ingest.errors import IngestError
from datasets.ingest.transactions import (
    CUSTOMER_TABLE_COLUMNS,
    TransactionColumns,
    customer_table,
    detect_transaction_log,
)

COLUMNS = TransactionColumns(customer_id="customer_id", date="date", amount="amount")
KINDS = {"customer_id": "categorical", "date": "datetime", "amount": "numeric"}
ROLES = {"customer_id": "customer_id", "amount": "purchase_amount"}


def log() -> pd.DataFrame:
    # File lines 2-9 (line 1 is the header).
    return pd.DataFrame(
        {
            "customer_id": ["A", "B", "A", "A", "C", "B", "D", "A"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-02",
                    "2024-01-05",
                    "2024-01-05 18:00",  # the same day as the line before: one purchase day
                    "2024-01-10",
                    "2024-01-03",  # B's refund: later than B's purchase, not a purchase day
                    "2024-01-10",
                    "2024-01-08 14:30",  # A's refund
                ],
                format="mixed",
            ),
            "amount": [10.0, 20.0, 5.0, 7.0, 3.0, -5.0, 3.0, -2.0],
        }
    )


def expected(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(CUSTOMER_TABLE_COLUMNS))
    whole = {"recency_days": "int64", "frequency": "int64", "tenure_days": "int64"}
    return frame.astype(whole).astype({"monetary": "float64", "average_order_value": "float64"})


def test_customer_table_matches_the_hand_computed_table_as_of_the_day_after_the_log():
    table = customer_table(log(), columns=COLUMNS)
    assert table.as_of == date(2024, 1, 11)
    want = expected(
        [
            # id, recency, frequency, monetary, aov, tenure
            ("A", 6, 2, 20.0, 10.0, 10),  # 10 + 5 + 7 - 2; days 01-01 and 01-05
            ("B", 9, 1, 15.0, 15.0, 9),  # 20 - 5; the refund on 01-03 is not a purchase
            ("C", 1, 1, 3.0, 3.0, 1),  # one purchase, on the last day
            ("D", 1, 1, 3.0, 3.0, 1),  # tied with C
        ]
    )
    pd.testing.assert_frame_equal(table.frame, want, check_dtype=False)
    assert table.lines_used == 8
    assert table.refund_lines == 2


def test_customer_table_as_of_date_leaves_out_later_lines_and_later_customers():
    table = customer_table(log(), columns=COLUMNS, as_of=date(2024, 1, 4))
    want = expected([("A", 3, 1, 10.0, 10.0, 3), ("B", 2, 1, 15.0, 15.0, 2)])
    pd.testing.assert_frame_equal(table.frame, want, check_dtype=False)
    assert table.lines_used == 3


def test_customer_table_as_of_date_includes_its_own_day_with_recency_zero():
    table = customer_table(log(), columns=COLUMNS, as_of=date(2024, 1, 5))
    a = table.frame.set_index("customer_id").loc["A"]
    assert (a["recency_days"], a["frequency"], a["monetary"], a["tenure_days"]) == (0, 2, 22.0, 4)


def test_customer_table_as_of_before_every_line_is_refused():
    with pytest.raises(IngestError, match="on or before the as-of date"):
        customer_table(log(), columns=COLUMNS, as_of=date(2023, 12, 31))


def test_customer_table_counts_a_negative_quantity_as_a_return_whatever_the_amounts_sign():
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "date": pd.to_datetime(["2024-02-01", "2024-02-03", "2024-02-03"]),
            "amount": [30.0, 10.0, 4.0],
            "quantity": [3, -1, 1],
        }
    )
    columns = TransactionColumns("customer_id", "date", "amount", "quantity")
    table = customer_table(frame, columns=columns).frame.set_index("customer_id")
    assert table.loc[1, "monetary"] == 20.0
    assert table.loc[1, "frequency"] == 1  # the return day is not a purchase day
    assert table.loc[1, "recency_days"] == 3


def test_customer_table_never_counts_a_return_of_amount_zero_as_a_purchase_day():
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1],
            "date": pd.to_datetime(["2024-02-01", "2024-02-05"]),
            "amount": [30.0, 0.0],
            "quantity": [1, -1],
        }
    )
    columns = TransactionColumns("customer_id", "date", "amount", "quantity")
    table = customer_table(frame, columns=columns)
    row = table.frame.iloc[0]
    assert (row["frequency"], row["recency_days"], row["monetary"]) == (1, 5, 30.0)
    assert table.refund_lines == 1


def test_customer_table_refuses_a_negative_amount_for_a_purchase_naming_the_line():
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "date": pd.to_datetime(["2024-02-01", "2024-02-03", "2024-02-03"]),
            "amount": [30.0, 10.0, -4.0],
            "quantity": [3, 1, 2],
        }
    )
    columns = TransactionColumns("customer_id", "date", "amount", "quantity")
    with pytest.raises(IngestError, match=r"Line 4: column 'amount' is negative \(-4\)"):
        customer_table(frame, columns=columns)


def test_customer_table_refuses_refunds_larger_than_purchases_naming_the_refund_line():
    frame = log()
    frame.loc[5, "amount"] = -25.0  # B bought 20
    with pytest.raises(IngestError, match=r"Line 7: customer 'B' has refunds in column 'amount'"):
        customer_table(frame, columns=COLUMNS)


def test_customer_table_refuses_a_customer_with_a_refund_and_no_purchase():
    frame = pd.concat(
        [log(), pd.DataFrame({"customer_id": ["E"], "date": [pd.Timestamp("2024-01-09")],
                              "amount": [-1.0]})],
        ignore_index=True,
    )  # fmt: skip
    with pytest.raises(IngestError, match=r"Line 10: customer 'E' has a refund .* no purchase"):
        customer_table(frame, columns=COLUMNS)


def test_customer_table_refuses_an_unreadable_date_naming_column_and_line():
    frame = log().astype({"date": "str"})
    frame.loc[4, "date"] = "yesterday"
    with pytest.raises(IngestError, match=r"Line 6: column 'date' has 'yesterday', which is not"):
        customer_table(frame, columns=COLUMNS)


def test_customer_table_refuses_a_missing_date_naming_the_line():
    frame = log()
    frame.loc[2, "date"] = pd.NaT
    with pytest.raises(IngestError, match=r"Line 4: column 'date' has no readable date"):
        customer_table(frame, columns=COLUMNS)


def test_customer_table_refuses_a_missing_customer_id_or_amount():
    frame = log()
    frame.loc[1, "customer_id"] = None
    with pytest.raises(IngestError, match=r"Line 3: column 'customer_id' has no customer id"):
        customer_table(frame, columns=COLUMNS)
    frame = log()
    frame.loc[7, "amount"] = float("nan")
    with pytest.raises(IngestError, match=r"Line 9: column 'amount' has no amount"):
        customer_table(frame, columns=COLUMNS)


def test_customer_table_refuses_a_log_without_its_date_column():
    with pytest.raises(IngestError, match="No column named 'date'"):
        customer_table(log().drop(columns="date"), columns=COLUMNS)


def test_detect_transaction_log_finds_the_columns_of_a_log():
    found = detect_transaction_log(log(), kinds=KINDS, roles=ROLES)
    assert found == COLUMNS


def test_detect_transaction_log_is_none_without_repeats_or_without_a_date():
    unique = log().drop_duplicates("customer_id")
    assert detect_transaction_log(unique, kinds=KINDS, roles=ROLES) is None
    no_date = log().drop(columns="date")
    assert detect_transaction_log(no_date, kinds=KINDS, roles=ROLES) is None


def test_ingest_marks_an_uploaded_purchase_log_and_not_a_customer_table():
    csv = (
        b"customer_id,order_date,amount,quantity\n"
        b"C1,2024-01-01,10.5,1\nC2,2024-01-02,20,2\nC1,2024-01-03,-3,-1\n"
    )
    assert ingest(csv).transaction_log == {
        "customer_id": "customer_id",
        "date": "order_date",
        "amount": "amount",
        "quantity": "quantity",
    }
    customers = b"customer_id,age,amount\nC1,30,10\nC2,40,20\n"
    assert ingest(customers).transaction_log is None


def _hand_table() -> pd.DataFrame:
    return customer_table(log(), columns=COLUMNS).frame.astype({"customer_id": "str"})


@pytest.mark.parametrize(
    "store",
    [
        pytest.param(lambda ids: ids.astype(object), id="python objects"),
        pytest.param(lambda ids: ids.astype("category"), id="categories"),
        pytest.param(lambda ids: ids.astype(pd.ArrowDtype(pa.string())), id="arrow strings"),
        pytest.param(
            lambda ids: pd.Series(
                pd.arrays.ArrowExtensionArray(pa.chunked_array([ids[:3], ids[3:5], ids[5:]])),
                index=ids.index,
            ),
            id="arrow, three chunks",
        ),
    ],
)
def test_customer_table_is_the_same_however_the_ids_are_stored(store):
    frame = log()
    frame["customer_id"] = store(frame["customer_id"].astype(object))
    table = customer_table(frame, columns=COLUMNS).frame
    pd.testing.assert_frame_equal(table.astype({"customer_id": "str"}), _hand_table())


def test_customer_table_of_number_ids_keeps_the_numbers():
    frame = log()
    frame["customer_id"] = frame["customer_id"].map({"A": 11, "B": 12, "C": 13, "D": 14})
    table = customer_table(frame, columns=COLUMNS).frame
    assert table["customer_id"].tolist() == [11, 12, 13, 14]
    pd.testing.assert_frame_equal(table.drop(columns="customer_id"),
                                  _hand_table().drop(columns="customer_id"))  # fmt: skip


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_customer_table_reads_dates_in_any_unit(unit):
    frame = log()
    frame["date"] = frame["date"].astype(f"datetime64[{unit}]")
    pd.testing.assert_frame_equal(
        customer_table(frame, columns=COLUMNS).frame.astype({"customer_id": "str"}), _hand_table()
    )


def test_customer_table_reads_dates_before_1970_and_with_a_time_zone():
    frame = log()
    frame["date"] = frame["date"] - pd.DateOffset(years=60)
    old = customer_table(frame, columns=COLUMNS)
    assert old.as_of == date(1964, 1, 11)
    pd.testing.assert_frame_equal(old.frame.astype({"customer_id": "str"}), _hand_table())
    frame = log()
    frame["date"] = frame["date"].dt.tz_localize("UTC")
    pd.testing.assert_frame_equal(
        customer_table(frame, columns=COLUMNS).frame.astype({"customer_id": "str"}), _hand_table()
    )


def test_customer_table_in_small_blocks_equals_the_pandas_groupby(monkeypatch):
    """Blocks of 7 lines (instead of millions) cut customers and purchase days apart: the figures
    are still those of a plain pandas groupby of the same generated log."""
    from datasets.ingest import transactions
    from tests.purchase_logs import planted_purchase_log

    frame = planted_purchase_log(300, seed=3).frame
    columns = TransactionColumns("customer_id", "order_date", "amount", "quantity")
    monkeypatch.setattr(transactions, "BLOCK_LINES", 7)
    table = customer_table(frame, columns=columns).frame.set_index("customer_id")

    signed = frame["amount"].where(frame["quantity"] >= 0, -frame["amount"].abs())
    day = frame["order_date"].dt.floor("D")
    as_of = day.max() + pd.Timedelta(days=1)
    bought = frame[signed >= 0].assign(day=day)
    by_customer = bought.groupby("customer_id")["day"]
    want = pd.DataFrame(
        {
            "recency_days": (as_of - by_customer.max()).dt.days,
            "frequency": by_customer.nunique(),
            "monetary": signed.groupby(frame["customer_id"]).sum().round(2),
            "tenure_days": (as_of - by_customer.min()).dt.days,
        }
    ).loc[table.index]
    pd.testing.assert_frame_equal(
        table[list(want.columns)], want, check_dtype=False, check_names=False
    )
    assert table.index.tolist() == list(dict.fromkeys(frame["customer_id"]))  # first appearance


def test_customer_table_names_the_line_of_a_missing_arrow_id():
    frame = log()
    frame["customer_id"] = frame["customer_id"].astype(pd.ArrowDtype(pa.string()))
    frame.loc[4, "customer_id"] = None
    with pytest.raises(IngestError, match=r"Line 6: column 'customer_id' has no customer id"):
        customer_table(frame, columns=COLUMNS)
