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


def _days(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Calendar days since 1970 (int64) of the date column; IngestError naming the first line
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
    stamps = parsed.to_numpy(dtype="datetime64[ns]")
    bad = _first(np.isnat(stamps))
    if bad is not None:
        shown = values.iloc[bad]
        what = "no readable date" if pd.isna(shown) else f"'{str(shown)[:40]}', which is not a date"
        raise IngestError(
            f"Line {_line(bad)}: column '{column}' has {what}; every purchase needs a date "
            "such as 2024-03-31. Fix the line or remove it, then upload again."
        )
    return stamps.astype("datetime64[D]").astype(np.int64)


def _numbers(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    if column not in frame.columns:
        raise IngestError(f"No column named '{column}' for the {what}.")
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values.dtype):
        raise IngestError(
            f"Column '{column}' does not hold numbers, so it cannot be the {what}; pick another "
            "column."
        )
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    bad = _first(np.isnan(numbers))
    if bad is not None:
        raise IngestError(
            f"Line {_line(bad)}: column '{column}' has no {what}; fill it in or remove the line."
        )
    return numbers


def _signed_amounts(frame: pd.DataFrame, columns: TransactionColumns) -> np.ndarray:
    """Amounts with refunds negative, by the module's rules."""
    amounts = _numbers(frame, columns.amount, "amount")
    if columns.quantity is None:
        return amounts
    quantities = _numbers(frame, columns.quantity, "quantity")
    bad = _first((quantities >= 0) & (amounts < 0))
    if bad is not None:
        raise IngestError(
            f"Line {_line(bad)}: column '{columns.amount}' is negative "
            f"({amounts[bad]:g}) for a purchase (column '{columns.quantity}' is "
            f"{quantities[bad]:g}); a return needs a negative quantity. Fix the line."
        )
    return np.where(quantities < 0, -np.abs(amounts), amounts)


def _customer_codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index]:
    if column not in frame.columns:
        raise IngestError(f"No column named '{column}' for the customer id.")
    codes, uniques = pd.factorize(frame[column], sort=False)
    bad = _first(codes < 0)
    if bad is not None:
        raise IngestError(
            f"Line {_line(bad)}: column '{column}' has no customer id; fill it in or remove "
            "the line."
        )
    return codes, pd.Index(uniques)


def customer_table(
    frame: pd.DataFrame, *, columns: TransactionColumns, as_of: date | None = None
) -> CustomerTable:
    """One row per customer of the purchase log `frame` (see the module's rules); IngestError,
    naming the column and line, when the log cannot be read. Vectorised: factorised ids and
    day numbers, then bincounts; no Python loop over lines or customers."""
    if len(frame) == 0:
        raise IngestError("The purchase log has no lines.")
    days = _days(frame, columns.date)
    amounts = _signed_amounts(frame, columns)
    codes, customers = _customer_codes(frame, columns.customer_id)

    as_of_day = int(days.max()) + 1 if as_of is None else int(np.datetime64(as_of, "D").astype(int))
    kept = days <= as_of_day
    lines_used = int(kept.sum())
    if lines_used == 0:
        raise IngestError(
            f"No purchase in column '{columns.date}' is dated on or before the as-of date "
            f"{as_of}; choose a later date."
        )
    if lines_used < len(days):
        positions = np.flatnonzero(kept)
        days, amounts, codes = days[kept], amounts[kept], codes[kept]
    else:
        positions = None

    n = len(customers)
    purchase = amounts >= 0
    monetary = np.bincount(codes, weights=amounts, minlength=n)
    purchase_codes = codes[purchase]
    purchase_days = days[purchase]
    bought = np.bincount(purchase_codes, minlength=n) > 0
    present = np.bincount(codes, minlength=n) > 0  # customers with a line before the as-of date

    def line_of_first_refund(customer: int) -> int:
        index = _first((codes == customer) & ~purchase)
        index = index if positions is None else int(positions[index])
        return _line(index)

    no_purchase = _first(present & ~bought)
    if no_purchase is not None:
        raise IngestError(
            f"Line {line_of_first_refund(no_purchase)}: customer '{customers[no_purchase]}' has "
            f"a refund in column '{columns.amount}' but no purchase; a refund must follow a "
            "purchase. Fix the line or remove it."
        )
    overdrawn = _first(present & (monetary < -1e-9 * np.maximum(1.0, np.abs(monetary))))
    if overdrawn is not None:
        raise IngestError(
            f"Line {line_of_first_refund(overdrawn)}: customer '{customers[overdrawn]}' has "
            f"refunds in column '{columns.amount}' larger than their purchases (net "
            f"{monetary[overdrawn]:.2f}); check the amounts' signs."
        )

    # Distinct (customer, day) pairs among purchases: one int64 key each, deduplicated by hash.
    span = int(purchase_days.max() - purchase_days.min()) + 1
    keys = purchase_codes.astype(np.int64) * span + (purchase_days - purchase_days.min())
    distinct = pd.unique(keys)
    frequency = np.bincount(distinct // span, minlength=n)
    spans = pd.Series(purchase_days).groupby(purchase_codes, sort=False).agg(["min", "max"])
    first_day = np.zeros(n, dtype=np.int64)
    last_day = np.zeros(n, dtype=np.int64)
    first_day[spans.index.to_numpy()] = spans["min"].to_numpy()
    last_day[spans.index.to_numpy()] = spans["max"].to_numpy()

    chosen = np.flatnonzero(present)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = monetary / frequency
    result = pd.DataFrame(
        {
            "customer_id": customers[chosen],
            "recency": (as_of_day - last_day[chosen]).astype(np.int64),
            "frequency": frequency[chosen].astype(np.int64),
            "monetary": np.round(monetary[chosen], 2),
            "average_order_value": np.round(average[chosen], 2),
            "tenure": (as_of_day - first_day[chosen]).astype(np.int64),
        }
    )
    return CustomerTable(
        frame=result,
        as_of=np.datetime64(as_of_day, "D").astype(date),
        lines_used=lines_used,
        refund_lines=int((~purchase).sum()),
    )
