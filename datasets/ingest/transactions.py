"""Purchase logs: detect one, and derive one row per customer from it.

In: a typed frame with one line per purchase (customer id, date, amount, maybe quantity), as
`read_typed` leaves it. Out: `detect_transaction_log` names the columns when the table reads as
a log; `customer_table` derives the customer table. Pure: imports numpy, pandas and pyarrow only.

The rules (documented in the API too):
- A line is a purchase when its amount is >= 0, a refund when it is < 0. With a quantity column
  the quantity's sign decides instead: quantity < 0 is a return, whose amount (line total, either
  sign) counts as -|amount|; quantity >= 0 with a negative amount is an error (a purchase cannot
  cost less than nothing).
- Dates count by calendar day (times are dropped). The as-of date defaults to the log's last
  date + 1 day; lines after the as-of date are left out.
- recency_days = days from the last purchase day to the as-of date; tenure_days = days from the
  first purchase day to the as-of date (both named with their unit, so segment descriptions and
  lifetime values read them as days); frequency = distinct purchase days; monetary = purchases minus
  refunds; average_order_value = monetary / frequency. Refunds never count as purchase days.
- Errors (`IngestError`, naming the column and the file line, header = line 1): no date column,
  a date that cannot be read, a missing customer id or amount, a purchase with a negative amount,
  a customer with no purchase or whose refunds exceed their purchases."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import IngestError
from .roles import looks_like_id_name, name_tokens

CUSTOMER_TABLE_COLUMNS = (
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "average_order_value",
    "tenure_days",
)
# The derived table's roles (datasets.services sets them on the new dataset).
CUSTOMER_TABLE_ROLES = {
    "customer_id": "customer_id",
    "recency_days": "recency",
    "frequency": "frequency",
    "monetary": "monetary",
    "average_order_value": "purchase_amount",
    "tenure_days": "tenure",
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


# Per-line work that would widen a whole column (np.bincount takes int64 positions, int64 keys)
# runs over blocks of this many lines instead, so no full-length temporary copy is made.
BLOCK_LINES = 1 << 21


def _blocks(length: int):
    for start in range(0, length, BLOCK_LINES):
        yield slice(start, min(start + BLOCK_LINES, length))


def _bincount(codes: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """np.bincount of int32 codes (and weights) block by block: counts (int64) or sums
    (float64) per code 0..n-1."""
    total = np.zeros(n, dtype=np.int64 if weights is None else np.float64)
    for block in _blocks(len(codes)):
        total += np.bincount(
            codes[block], weights=None if weights is None else weights[block], minlength=n
        )
    return total


def _first_refund_line(
    codes: np.ndarray, purchase: np.ndarray, positions: np.ndarray | None, customer: int
) -> int:
    """The file line of the customer's first refund (`positions`: kept lines' places)."""
    index = _first((codes == customer) & ~purchase)
    return _line(index if positions is None else positions[index])


def _days(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Calendar days since 1970 (int32) of the date column; IngestError naming the first line
    whose date is missing or unreadable. A datetime column is read in its own unit, without a
    copy."""
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
    stamps = parsed.to_numpy()
    if stamps.dtype.kind != "M":
        stamps = parsed.to_numpy(dtype="datetime64[ns]")
    bad = _first(np.isnat(stamps))
    if bad is not None:
        shown = values.iloc[bad]
        what = "no readable date" if pd.isna(shown) else f"'{str(shown)[:40]}', which is not a date"
        raise IngestError(
            f"Line {_line(bad)}: column '{column}' has {what}; every purchase needs a date "
            "such as 2024-03-31. Fix the line or remove it, then upload again."
        )
    unit, count = np.datetime_data(stamps.dtype)
    per_day = int(np.timedelta64(1, "D") // np.timedelta64(count, unit))
    days = np.empty(len(stamps), dtype=np.int32)
    # Floor division is right before 1970 too; int32 days reach the year 5.8 million. Written
    # straight into the int32 result: numpy casts block by block, no int64 copy of the column.
    np.floor_divide(stamps.view(np.int64), per_day, out=days, casting="unsafe")
    return days


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


def _missing_id(column: str, position: int) -> IngestError:
    return IngestError(
        f"Line {_line(position)}: column '{column}' has no customer id; fill it in or remove "
        "the line."
    )


def _arrow_codes(values: pd.Series, column: str) -> tuple[np.ndarray, pd.Index]:
    """Text ids stored by Arrow (how the Parquet copy loads them): Arrow's dictionary encoding
    gives int32 codes by first appearance, read without a copy; the encoder's hash table goes
    back to the system at once instead of staying in Arrow's pool for the rest of the run."""
    chunked = values.array.__arrow_array__()
    if chunked.null_count:
        raise _missing_id(column, _first(values.isna().to_numpy()))
    encoded = pc.dictionary_encode(chunked)  # one hash table across chunks: codes agree
    parts = [chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks]
    codes = parts[0] if len(parts) == 1 else np.concatenate(parts)
    uniques = pd.Index(encoded.chunks[-1].dictionary.to_pandas())
    del encoded
    pa.default_memory_pool().release_unused()
    return codes.astype(np.int32, copy=False), uniques


def _customer_codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index]:
    """int32 codes of the customers, by first appearance, and the ids they stand for."""
    if column not in frame.columns:
        raise IngestError(f"No column named '{column}' for the customer id.")
    values = frame[column]
    stored_by_arrow = isinstance(values.dtype, pd.ArrowDtype) or (
        isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"
    )
    if stored_by_arrow and len(values):
        return _arrow_codes(values, column)
    codes, uniques = pd.factorize(values, sort=False)
    bad = _first(codes < 0)
    if bad is not None:
        raise _missing_id(column, bad)
    return codes.astype(np.int32, copy=False), pd.Index(uniques)


def _purchase_keys(
    codes: np.ndarray, days: np.ndarray, purchase: np.ndarray, day_min: int, span: int
) -> np.ndarray:
    """One int64 key per purchase line, customer * span + day offset, built block by block
    (no full-length int64 copy of the codes or the days)."""
    keys = np.empty(int(np.count_nonzero(purchase)), dtype=np.int64)
    filled = 0
    for block in _blocks(len(codes)):
        chosen = purchase[block]
        part = keys[filled : filled + int(np.count_nonzero(chosen))]
        np.multiply(codes[block][chosen], span, out=part, dtype=np.int64)
        part += days[block][chosen]
        part -= day_min
        filled += len(part)
    return keys


def _distinct_days(keys: np.ndarray, span: int, day_min: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorted keys' distinct (customer, day) pairs as int32 customer codes and days, in key
    order (customers in code order, days ascending within each), block by block."""
    new = np.empty(len(keys), dtype=bool)
    if len(keys):
        new[0] = True
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
    total = int(np.count_nonzero(new))
    owner = np.empty(total, dtype=np.int32)
    day = np.empty(total, dtype=np.int32)
    filled = 0
    for block in _blocks(len(keys)):
        distinct = keys[block][new[block]]
        end = filled + len(distinct)
        np.floor_divide(distinct, span, out=owner[filled:end], casting="unsafe")
        distinct %= span
        distinct += day_min
        day[filled:end] = distinct
        filled = end
    return owner, day


def customer_table(
    frame: pd.DataFrame, *, columns: TransactionColumns, as_of: date | None = None
) -> CustomerTable:
    """One row per customer of the purchase log `frame` (see the module's rules); IngestError,
    naming the column and line, when the log cannot be read. Vectorised: int32 customer codes
    and day numbers, block-wise bincounts, and one in-place sort of (customer, day) keys; no
    Python loop over lines or customers. Memory: the amounts, quantities and datetimes are read
    where they are stored; at its peak the run adds about 36 bytes a line to the log (10,000,000
    lines: log and run together 1.9x the log DataFrame, tests/benchmarks/bench_transactions.py)."""
    if len(frame) == 0:
        raise IngestError("The purchase log has no lines.")
    # Encoding the ids hashes every one: done first, while no other per-line array is held.
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
    monetary = _bincount(codes, n, weights=amounts)
    purchase = amounts >= 0
    if flipped.size:
        monetary -= 2 * np.bincount(codes[flipped], weights=amounts[flipped], minlength=n)
        purchase[flipped] = False
    del amounts
    # Each distinct key is one purchase day of one customer; sorted in place, customers come in
    # code order and each customer's days in order.
    day_min = int(days.min())
    span = int(days.max()) - day_min + 1
    keys = _purchase_keys(codes, days, purchase, day_min, span)
    del days
    keys.sort()
    owner, day = _distinct_days(keys, span, day_min)
    del keys
    frequency = _bincount(owner, n)
    # Every customer has a line unless lines after the as-of date were left out.
    present = np.ones(n, dtype=bool) if positions is None else _bincount(codes, n) > 0

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
    refund_lines = int(lines_used - np.count_nonzero(purchase))
    del codes, purchase

    # Each customer's first and last distinct key: their first and last purchase day. The
    # per-customer figures are then worked out in place and handed to the frame without a copy.
    new_owner = np.empty(len(owner), dtype=bool)
    new_owner[:1] = True
    np.not_equal(owner[1:], owner[:-1], out=new_owner[1:])
    starts = np.flatnonzero(new_owner)
    del new_owner
    recency = np.zeros(n, dtype=np.int64)
    tenure = np.zeros(n, dtype=np.int64)
    tenure[owner[starts]] = day[starts]
    starts -= 1  # the last distinct key of the customer before; the very last one below
    recency[owner[starts[1:]]] = day[starts[1:]]
    if len(owner):
        recency[owner[-1]] = day[-1]
    del owner, day, starts
    np.subtract(as_of_day, recency, out=recency)
    np.subtract(as_of_day, tenure, out=tenure)

    with np.errstate(divide="ignore", invalid="ignore"):
        average = monetary / frequency
    np.round(average, 2, out=average)
    np.round(monetary, 2, out=monetary)
    columns_out = {
        "customer_id": customers,
        "recency_days": recency,
        "frequency": frequency,
        "monetary": monetary,
        "average_order_value": average,
        "tenure_days": tenure,
    }
    if not present.all():
        chosen = np.flatnonzero(present)
        columns_out = {name: values[chosen] for name, values in columns_out.items()}
    result = pd.DataFrame(columns_out, copy=False)
    return CustomerTable(
        frame=result,
        as_of=np.datetime64(as_of_day, "D").astype(date),
        lines_used=lines_used,
        refund_lines=refund_lines,
    )
