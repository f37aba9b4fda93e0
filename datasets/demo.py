"""Synthetic customer tables with real segment structure, for demos, tests and benchmarks.

`generate_customers(rows, seed)` draws every customer from one of five latent segments (each with
its own age, income, spending, frequency, basket and tenure profile), so clustering the table finds
real groups. `generate_rfm_customers(rows, seed)` draws a transaction summary per customer
(recency, frequency, monetary value, tenure) shaped like real shop data: most customers bought
once, spend is lognormal. Pure numpy and pandas, vectorised: one million rows take well under a
second."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

COLUMNS = (
    "customer_id",
    "age",
    "gender",
    "region",
    "annual_income",
    "spending_score",
    "purchase_frequency",
    "avg_purchase_amount",
    "tenure_months",
)
GENDERS = ("Female", "Male")
REGIONS = ("North", "South", "East", "West", "Central", "Coastal")

# Per segment: weight; (mean, sd) of age, annual income (k), spending score, purchases a year,
# average purchase amount, tenure in months; share of women; region weights in REGIONS order.
_SEGMENTS = (
    (0.16, (42, 6), (115, 10), (81, 6), (31, 4), (185, 25), (64, 12), 0.47,
     (0.25, 0.10, 0.15, 0.10, 0.15, 0.25)),
    (0.26, (47, 9), (33, 6), (19, 6), (6, 2), (28, 7), (29, 12), 0.53,
     (0.15, 0.25, 0.15, 0.20, 0.15, 0.10)),
    (0.13, (52, 6), (102, 9), (25, 6), (8, 2), (95, 15), (45, 12), 0.41,
     (0.20, 0.10, 0.25, 0.15, 0.20, 0.10)),
    (0.19, (24, 3), (41, 7), (77, 7), (40, 5), (34, 7), (11, 5), 0.59,
     (0.10, 0.15, 0.15, 0.15, 0.30, 0.15)),
    (0.26, (36, 7), (69, 8), (50, 7), (18, 3), (61, 10), (82, 12), 0.50,
     (0.17, 0.17, 0.17, 0.17, 0.16, 0.16)),
)  # fmt: skip
_BOUNDS = ((18, 80), (8, None), (1, 100), (0, None), (5, None), (1, 120))
_DECIMALS = (0, 1, 0, 0, 2, 0)


def _customer_ids(rows: int) -> pd.Series:
    """ "C0000001", "C0000002", ... built digit by digit as bytes: no Python loop over rows."""
    width = max(7, len(str(rows)))
    numbers = np.arange(1, rows + 1, dtype=np.int64)
    digits = np.empty((rows, width + 1), dtype=np.uint8)
    digits[:, 0] = ord("C")
    for position in range(width, 0, -1):
        digits[:, position] = ord("0") + numbers % 10
        numbers //= 10
    ids = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width + 1), rows, [None, pa.py_buffer(digits.tobytes())]
    )
    return ids.cast(pa.binary()).cast(pa.string()).to_pandas()


def generate_customers(rows: int, seed: int = 0) -> pd.DataFrame:
    """A table of `rows` customers in COLUMNS order; the same (rows, seed) gives the same table."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    rng = np.random.default_rng(seed)
    weights = np.array([segment[0] for segment in _SEGMENTS])
    segment = rng.choice(len(_SEGMENTS), size=rows, p=weights / weights.sum())

    numbers = []
    for index, ((low, high), decimals) in enumerate(zip(_BOUNDS, _DECIMALS, strict=True)):
        means = np.array([s[1 + index][0] for s in _SEGMENTS], dtype=float)[segment]
        sds = np.array([s[1 + index][1] for s in _SEGMENTS], dtype=float)[segment]
        values = np.clip(rng.normal(means, sds), low, high)
        values = np.round(values, decimals)
        numbers.append(values.astype(np.int64) if decimals == 0 else values)

    women = np.array([s[7] for s in _SEGMENTS])[segment]
    gender_codes = (rng.random(rows) >= women).astype(np.int8)  # 0 Female, 1 Male
    region_cdf = np.cumsum(np.array([s[8] for s in _SEGMENTS]), axis=1)[segment]
    region_codes = (rng.random(rows)[:, None] > region_cdf).sum(axis=1)
    region_codes = np.minimum(region_codes, len(REGIONS) - 1).astype(np.int8)

    age, income, spending, frequency, amount, tenure = numbers
    return pd.DataFrame(
        {
            "customer_id": _customer_ids(rows),
            "age": age,
            "gender": pd.Categorical.from_codes(gender_codes, categories=list(GENDERS)),
            "region": pd.Categorical.from_codes(region_codes, categories=list(REGIONS)),
            "annual_income": income,
            "spending_score": spending,
            "purchase_frequency": frequency,
            "avg_purchase_amount": amount,
            "tenure_months": tenure,
        }
    )


RFM_COLUMNS = ("customer_id", "recency_days", "frequency", "monetary", "tenure_days")
RFM_HISTORY_DAYS = 1095  # three years of orders
RFM_ONE_TIME_SHARE = 0.6  # as in most shops: six customers in ten never come back
RFM_LAPSED_SHARE = 0.35  # repeat customers whose last order is long past
RFM_ORDER_VALUE = (60.0, 0.7)  # lognormal order value: median 60, log-sd 0.7


def generate_rfm_customers(rows: int, seed: int = 0) -> pd.DataFrame:
    """A transaction summary per customer in RFM_COLUMNS order: days since the last order, number
    of orders, total spent and days since the first order. Heavy-tailed like real shop data: about
    60% bought once, repeat buyers order at a lognormal rate, order values are lognormal."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    rng = np.random.default_rng(seed)
    tenure = np.ceil(RFM_HISTORY_DAYS * rng.random(rows) ** 1.3).astype(np.int64)  # more recent
    repeat = rng.random(rows) >= RFM_ONE_TIME_SHARE
    yearly_rate = rng.lognormal(np.log(4.0), 0.8, rows)  # orders a year of a repeat buyer
    extra = rng.poisson(yearly_rate * np.maximum(tenure, 30) / 365.0)
    frequency = np.where(repeat, 1 + np.maximum(extra, 1), 1)
    lapsed = rng.random(rows) < RFM_LAPSED_SHARE
    active_gap = np.minimum(rng.exponential(365.0 / yearly_rate), tenure)
    lapsed_gap = tenure * rng.uniform(0.3, 0.9, rows)
    recency = np.where(repeat, np.where(lapsed, lapsed_gap, active_gap), tenure)
    order_value = rng.lognormal(np.log(RFM_ORDER_VALUE[0]), RFM_ORDER_VALUE[1], rows)
    monetary = np.round(frequency * order_value * rng.lognormal(0.0, 0.2, rows), 2)
    return pd.DataFrame(
        {
            "customer_id": _customer_ids(rows),
            "recency_days": np.floor(recency).astype(np.int64),
            "frequency": frequency.astype(np.int64),
            "monetary": monetary,
            "tenure_days": tenure,
        }
    )


def customers_csv_write(frame: pd.DataFrame, sink: Path | pa.NativeFile) -> None:
    """Write a generated table as CSV with a header row (categories as their text) to a file
    path or an Arrow output stream, column-wise, without a Python loop over rows."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    text_schema = pa.schema(
        [
            pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f
            for f in table.schema
        ]
    )
    pacsv.write_csv(table.cast(text_schema), str(sink) if isinstance(sink, Path) else sink)


# --- Purchase logs -------------------------------------------------------------------------------

LOG_START = np.datetime64("2023-01-01")
LOG_DAYS = 730  # two years of purchases
ONE_TIME_SHARE = 0.6  # most customers of a shop buy once
REPEAT_GEOMETRIC_P = 0.25  # a repeat customer's further purchases: 1 + Geometric(p), mean 5
MEDIAN_ORDER_VALUE = 40.0
WHALE_SHARE = 0.002  # of the customers: order values a hundred times the median
LOYAL_SHARE = 0.03  # of the customers: 20 to 40 purchases
LAPSED_SHARE = 0.05  # of the repeat customers: every purchase in the first LAPSED_DAYS
LAPSED_DAYS = 180
REFUND_SHARE = 0.03  # of the purchases: refunded in part or whole within two weeks


@dataclass(frozen=True)
class PurchaseLog:
    """A generated purchase log and the customer groups planted in it (ids per group)."""

    frame: pd.DataFrame  # customer_id, order_date, amount, quantity; in date order
    groups: dict[str, np.ndarray]  # one_time, loyal, whales, lapsed, refunders
    first_day: np.datetime64
    last_day: np.datetime64


def _seasonal_days(rng: np.random.Generator, size: int, days: int) -> np.ndarray:
    """Day offsets with a yearly cycle (busy November-December, quiet February) and busier
    weekends."""
    offsets = np.arange(days)
    day_of_year = (offsets % 365) / 365.0
    weight = 1.0 + 0.35 * np.cos(2 * np.pi * (day_of_year - 0.92))
    weight *= np.where((offsets + 6) % 7 >= 5, 1.3, 1.0)  # 2023-01-01 was a Sunday
    return rng.choice(offsets, size=size, p=weight / weight.sum())


def generate_purchase_log(customers: int, seed: int = 0) -> PurchaseLog:
    """A realistic purchase log of `customers` customers (about 3.4 lines each): ~60 % buy once,
    the others 1 + Geometric(0.25) more times; order values lognormal around 40; a few whales
    at a hundred times the median; seasonal dates over two years; refunds as negative lines
    (quantity -1) after the purchase they refund, never more than it. Planted groups: one_time,
    loyal (20-40 purchases), whales, lapsed (nothing after the first 180 days), refunders.
    Vectorised; the same (customers, seed) gives the same log."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    rng = np.random.default_rng(seed)
    ids = _customer_ids(customers).to_numpy()
    one_time = rng.random(customers) < ONE_TIME_SHARE
    counts = np.where(one_time, 1, 1 + rng.geometric(REPEAT_GEOMETRIC_P, size=customers))
    repeaters = np.flatnonzero(~one_time)
    planted = rng.permutation(repeaters)
    n_loyal = round(LOYAL_SHARE * customers)
    n_whales = max(1, round(WHALE_SHARE * customers)) if len(planted) > 1 else 0
    n_lapsed = round(LAPSED_SHARE * len(repeaters))
    loyal = np.sort(planted[:n_loyal])
    whales = np.sort(planted[n_loyal : n_loyal + n_whales])
    lapsed = np.sort(planted[n_loyal + n_whales : n_loyal + n_whales + n_lapsed])
    counts[loyal] = rng.integers(20, 41, size=len(loyal))
    counts[whales] = np.maximum(counts[whales], 3)

    owner = np.repeat(np.arange(customers), counts)
    day = _seasonal_days(rng, len(owner), LOG_DAYS)
    is_lapsed = np.zeros(customers, dtype=bool)
    is_lapsed[lapsed] = True
    early = is_lapsed[owner]
    day[early] = _seasonal_days(rng, int(early.sum()), LAPSED_DAYS)

    base = rng.lognormal(np.log(MEDIAN_ORDER_VALUE), 0.5, size=customers)
    base[whales] *= 100.0
    amount = np.round(base[owner] * rng.lognormal(0.0, 0.35, size=len(owner)), 2)
    quantity = 1 + rng.poisson(0.8, size=len(owner))

    refunded = np.flatnonzero((rng.random(len(owner)) < REFUND_SHARE) & ~early)
    refund_owner = owner[refunded]
    refund_day = np.minimum(day[refunded] + rng.integers(0, 15, len(refunded)), LOG_DAYS - 1)
    refund_amount = -np.round(amount[refunded] * rng.uniform(0.2, 1.0, len(refunded)), 2)

    all_owner = np.concatenate([owner, refund_owner])
    all_day = np.concatenate([day, refund_day])
    order = np.argsort(all_day, kind="stable")
    frame = pd.DataFrame(
        {
            "customer_id": ids[all_owner[order]],
            "order_date": (LOG_START + all_day[order]).astype("datetime64[ns]"),
            "amount": np.concatenate([amount, refund_amount])[order],
            "quantity": np.concatenate([quantity, np.full(len(refunded), -1)])[order],
        }
    )
    groups = {
        "one_time": ids[np.flatnonzero(counts == 1)],
        "loyal": ids[loyal],
        "whales": ids[whales],
        "lapsed": ids[lapsed],
        "refunders": ids[np.unique(refund_owner)],
    }
    return PurchaseLog(
        frame=frame,
        groups=groups,
        first_day=LOG_START,
        last_day=LOG_START + np.timedelta64(LOG_DAYS - 1, "D"),
    )
