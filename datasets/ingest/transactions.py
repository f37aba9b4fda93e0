"""Purchase logs: detect one, and derive one row per customer from it.

In: a typed frame with one line per purchase (customer id, date, amount, maybe quantity), as
`read_typed` leaves it. Out: `detect_transaction_log` names the columns when the table reads as
a log; `customer_table` derives the customer table. Pure: imports numpy and pandas only.

The rules (documented in the API too):
- A line is a purchase when its amount is >= 0, a refund when it is < 0. With a quantity column
  the quantity's sign decides instead: quantity < 0 is a return, whose amount (line total, either
  sign) counts as -|amount|; quantity >= 0 with a negative amount is an error (a purchase cannot
  cost less than nothing).
- Dates count by calendar day (times are dropped). The as-of date defaults to the log's last
  date + 1 day; lines after the as-of date are left out.
- recency = days from the last purchase day to the as-of date; tenure = days from the first
  purchase day to the as-of date; frequency = distinct purchase days; monetary = purchases minus
  refunds; average_order_value = monetary / frequency. Refunds never count as purchase days.
- Errors (`IngestError`, naming the column and the file line, header = line 1): no date column,
  a date that cannot be read, a missing customer id or amount, a purchase with a negative amount,
  a customer with no purchase or whose refunds exceed their purchases."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .errors import IngestError
from .roles import looks_like_id_name, name_tokens

CUSTOMER_TABLE_COLUMNS = (
    "customer_id",
    "recency",
    "frequency",
    "monetary",
    "average_order_value",
    "tenure",
)
# The derived table's roles (datasets.services sets them on the new dataset).
CUSTOMER_TABLE_ROLES = {
    "customer_id": "customer_id",
    "recency": "recency",
    "frequency": "frequency",
    "monetary": "monetary",
    "average_order_value": "purchase_amount",
    "tenure": "tenure",
}
FIRST_DATA_LINE = 2  # line 1 of the file is the header
_CUSTOMER_WORDS = {"customer", "client", "cust", "member", "user", "account", "buyer", "shopper"}
_DATE_WORDS = {"date", "day", "time", "timestamp", "datetime", "ts", "at", "on", "when"}
_AMOUNT_WORDS = {
    "amount",
    "total",
    "price",
    "value",
    "revenue",
    "sales",
    "sale",
    "spend",
    "spent",
    "paid",
    "payment",
    "subtotal",
    "net",
    "gross",
}
_QUANTITY_WORDS = {"quantity", "qty", "units", "items", "pieces"}
_AMOUNT_ROLES = ("purchase_amount", "monetary")


@dataclass(frozen=True)
class TransactionColumns:
    """The columns that make a table a purchase log."""

    customer_id: str
    date: str
    amount: str
    quantity: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "customer_id": self.customer_id,
            "date": self.date,
            "amount": self.amount,
            "quantity": self.quantity,
        }


@dataclass(frozen=True)
class CustomerTable:
    frame: pd.DataFrame  # CUSTOMER_TABLE_COLUMNS, one row per customer, by first appearance
    as_of: date
    lines_used: int  # lines dated on or before the as-of date
    refund_lines: int


def _has_repeats(series: pd.Series) -> bool:
    present = series.dropna()
    return len(present) > 0 and not present.is_unique


def _customer_column(frame: pd.DataFrame, kinds: dict[str, str], roles: dict[str, str]):
    by_role = [name for name, role in roles.items() if role == "customer_id"]
    by_name = [
        name
        for name in frame.columns
        if looks_like_id_name(name) and set(name_tokens(name)) & _CUSTOMER_WORDS
    ]
    for name in [*by_role, *by_name]:
        if kinds.get(name) in ("id", "categorical", "text", "numeric") and _has_repeats(
            frame[name]
        ):
            return name
    return None


def _named(frame: pd.DataFrame, kinds: dict[str, str], kind: str, words: set[str]) -> list[str]:
    return [
        name for name in frame.columns if kinds.get(name) == kind and set(name_tokens(name)) & words
    ]


def detect_transaction_log(
    frame: pd.DataFrame, *, kinds: dict[str, str], roles: dict[str, str]
) -> TransactionColumns | None:
    """The log's columns when the table has a customer id with repeats, a date (a date column,
    or a text column named like one) and an amount (by role or by name); None otherwise.
    Cheap: one uniqueness check of one column."""
    dates = (
        _named(frame, kinds, "datetime", _DATE_WORDS)
        or [name for name in frame.columns if kinds.get(name) == "datetime"]
        # A date column with too many typos to read as dates: still the log's, and deriving
        # names the first line that is not a date.
        or _named(frame, kinds, "categorical", _DATE_WORDS)
        or _named(frame, kinds, "text", _DATE_WORDS)
    )
    amounts = [
        name
        for name, role in roles.items()
        if role in _AMOUNT_ROLES and kinds.get(name) == "numeric"
    ] or _named(frame, kinds, "numeric", _AMOUNT_WORDS)
    if not dates or not amounts:
        return None
    customer = _customer_column(frame, kinds, roles)
    if customer is None:
        return None
    quantities = [
        name
        for name in _named(frame, kinds, "numeric", _QUANTITY_WORDS)
        if name not in (amounts[0], customer)
    ]
    return TransactionColumns(
        customer_id=customer,
        date=dates[0],
        amount=amounts[0],
        quantity=quantities[0] if quantities else None,
    )


def _line(position: int) -> int:
    return int(position) + FIRST_DATA_LINE


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


NS_PER_DAY = 86_400 * 10**9


def _first_refund_line(
    codes: np.ndarray, purchase: np.ndarray, positions: np.ndarray | None, customer: int
) -> int:
    """The file line of the customer's first refund (`positions`: kept lines' places)."""
    index = _first((codes == customer) & ~purchase)
    return _line(index if positions is None else positions[index])


def _days(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Calendar days since 1970 (int32) of the date column; IngestError naming the first line
    whose date is missing or unreadable."""
    if column not in frame.columns:
        raise IngestError(
            f"No column named '{column}'; a purchase log needs a column of purchase dates."
        )
    values = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = values
        if getattr(values.dt, "tz", None) is not None:
            parsed = values.dt.tz_convert("UTC").dt.tz_localize(None)
    else:
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    stamps = parsed.to_numpy(dtype="datetime64[ns]")  # a view of a datetime64[ns] column
    bad = _first(np.isnat(stamps))
    if bad is not None:
        shown = values.iloc[bad]
        what = "no readable date" if pd.isna(shown) else f"'{str(shown)[:40]}', which is not a date"
        raise IngestError(
            f"Line {_line(bad)}: column '{column}' has {what}; every purchase needs a date "
            "such as 2024-03-31. Fix the line or remove it, then upload again."
        )
    # Floor division is right before 1970 too; int32 days reach the year 5.8 million.
    return (stamps.view(np.int64) // NS_PER_DAY).astype(np.int32)


def _numbers(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """The column's numbers, without a copy where it is stored as numpy numbers."""
    if column not in frame.columns:
        raise IngestError(f"No column named '{column}' for the {what}.")
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        raise IngestError(
            f"Column '{column}' does not hold numbers, so it cannot be the {what}; pick another "
            "column."
        )
    numbers = values.to_numpy()
    if numbers.dtype.kind not in "iuf":
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    if numbers.dtype.kind == "f":
        bad = _first(np.isnan(numbers))
        if bad is not None:
            raise IngestError(
                f"Line {_line(bad)}: column '{column}' has no {what}; fill it in or remove "
                "the line."
            )
    return numbers


def _amounts_and_returns(
    frame: pd.DataFrame, columns: TransactionColumns
) -> tuple[np.ndarray, np.ndarray]:
    """The amounts as stored (no copy where they are float64) and the positions of the lines
    whose amount counts negated: returns (quantity < 0) booked with an amount >= 0."""
    amounts = _numbers(frame, columns.amount, "amount").astype(np.float64, copy=False)
    if columns.quantity is None:
        return amounts, np.empty(0, dtype=np.intp)
    quantities = _numbers(frame, columns.quantity, "quantity")
    bad = _first((quantities >= 0) & (amounts < 0))
    if bad is not None:
        raise IngestError(
            f"Line {_line(bad)}: column '{columns.amount}' is negative "
            f"({amounts[bad]:g}) for a purchase (column '{columns.quantity}' is "
            f"{quantities[bad]:g}); a return needs a negative quantity. Fix the line."
        )
    return amounts, np.flatnonzero((quantities < 0) & (amounts >= 0))


def _customer_codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index]:
    """int32 codes of the customers, by first appearance, and the ids they stand for."""
    if column not in frame.columns:
        raise IngestError(f"No column named '{column}' for the customer id.")
    codes, uniques = pd.factorize(frame[column], sort=False)
    bad = _first(codes < 0)
    if bad is not None:
        raise IngestError(
            f"Line {_line(bad)}: column '{column}' has no customer id; fill it in or remove "
            "the line."
        )
    return codes.astype(np.int32, copy=False), pd.Index(uniques)


def customer_table(
    frame: pd.DataFrame, *, columns: TransactionColumns, as_of: date | None = None
) -> CustomerTable:
    """One row per customer of the purchase log `frame` (see the module's rules); IngestError,
    naming the column and line, when the log cannot be read. Vectorised: int32 customer codes
    and day numbers, bincounts, and one in-place sort of (customer, day) keys; no Python loop
    over lines or customers. Memory: the run adds about 95 bytes a line to the frame, half of
    it factorising text ids (10,000,000 lines: 2.4x the log DataFrame,
    tests/benchmarks/bench_transactions.py)."""
    if len(frame) == 0:
        raise IngestError("The purchase log has no lines.")
    # Factorising hashes every id: done first, while no other per-line array is held.
    codes, customers = _customer_codes(frame, columns.customer_id)
    days = _days(frame, columns.date)
    amounts, flipped = _amounts_and_returns(frame, columns)

    last_log_day = int(days.max())
    as_of_day = last_log_day + 1 if as_of is None else int(np.datetime64(as_of, "D").astype(int))
    positions = None  # line of each kept entry, when lines after the as-of date were left out
    if as_of_day < last_log_day:
        kept = days <= as_of_day
        if not kept.any():
            raise IngestError(
                f"No purchase in column '{columns.date}' is dated on or before the as-of date "
                f"{as_of}; choose a later date."
            )
        positions = np.flatnonzero(kept)
        days, amounts, codes = days[kept], amounts[kept], codes[kept]
        flipped = np.flatnonzero(np.isin(positions, flipped)) if flipped.size else flipped
        del kept
    lines_used = len(days)

    n = len(customers)
    # Returns booked with an amount >= 0 count negated: subtracted twice from the plain sum, so
    # that the amounts are never copied; they are never purchases.
    monetary = np.bincount(codes, weights=amounts, minlength=n)
    purchase = amounts >= 0
    if flipped.size:
        monetary -= 2 * np.bincount(codes[flipped], weights=amounts[flipped], minlength=n)
        purchase[flipped] = False
    del amounts
    # One int64 key per purchase line: customer * span + day offset, sorted in place; each
    # distinct key is one purchase day of one customer, customers in code order.
    purchase_days = days[purchase]
    del days
    day_min = int(purchase_days.min()) if purchase_days.size else 0
    span = int(purchase_days.max()) - day_min + 1 if purchase_days.size else 1
    keys = codes[purchase].astype(np.int64)
    keys *= span
    keys += purchase_days
    keys -= day_min
    del purchase_days
    keys.sort()
    distinct = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if keys.size else keys
    del keys
    owner = distinct // span
    day = distinct
    day -= owner * span  # in place: the day offset of each distinct key
    day += day_min
    frequency = np.bincount(owner, minlength=n)
    present = np.bincount(codes, minlength=n) > 0  # customers with a line up to the as-of date

    no_purchase = _first(present & (frequency == 0))
    if no_purchase is not None:
        raise IngestError(
            f"Line {_first_refund_line(codes, purchase, positions, no_purchase)}: customer "
            f"'{customers[no_purchase]}' has a refund in column '{columns.amount}' but no "
            "purchase; a refund must follow a purchase. Fix the line or remove it."
        )
    overdrawn = _first(present & (monetary < -1e-9 * np.maximum(1.0, np.abs(monetary))))
    if overdrawn is not None:
        raise IngestError(
            f"Line {_first_refund_line(codes, purchase, positions, overdrawn)}: customer "
            f"'{customers[overdrawn]}' has refunds in column '{columns.amount}' larger than "
            f"their purchases (net {monetary[overdrawn]:.2f}); check the amounts' signs."
        )
    refund_lines = int(lines_used - purchase.sum())
    del codes, purchase

    starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
    ends = np.concatenate((starts[1:] - 1, [len(owner) - 1]))
    first_day = np.zeros(n, dtype=np.int64)
    last_day = np.zeros(n, dtype=np.int64)
    first_day[owner[starts]] = day[starts]
    last_day[owner[ends]] = day[ends]

    chosen = np.flatnonzero(present)
    everyone = len(chosen) == n
    with np.errstate(divide="ignore", invalid="ignore"):
        average = monetary / frequency

    def pick(values: np.ndarray) -> np.ndarray:
        return values if everyone else values[chosen]

    result = pd.DataFrame(
        {
            "customer_id": customers if everyone else customers[chosen],
            "recency": pick(as_of_day - last_day),
            "frequency": pick(frequency).astype(np.int64),
            "monetary": np.round(pick(monetary), 2),
            "average_order_value": np.round(pick(average), 2),
            "tenure": pick(as_of_day - first_day),
        }
    )
    return CustomerTable(
        frame=result,
        as_of=np.datetime64(as_of_day, "D").astype(date),
        lines_used=lines_used,
        refund_lines=refund_lines,
    )
