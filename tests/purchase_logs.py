"""Generated purchase logs that look like a real shop's, with planted customer groups (no Django).

`planted_purchase_log(customers, seed)`: about 60 % of the customers buy once (recently or long
ago), the others buy a geometric number of times; order values are lognormal around 40; a few
"whales" spend more than a hundred times the median customer; dates follow a yearly season (busy
November-December, quiet February) and busier weekends; some repeat purchases are refunded in
part, as negative lines a few days later. Four planted groups, each a real customer type:

- new: one purchase in the last 120 days;
- one_off: one purchase, more than a year before the log's end;
- regular: 2 + Geometric(0.35) purchases over the two years, the last within 200 days;
- loyal: 14 + Geometric(0.12) purchases, the last within 60 days (the whales are loyal ones).

Vectorised; the same (customers, seed) gives the same log."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

GROUPS = ("new", "one_off", "regular", "loyal")
SHARES = (0.22, 0.38, 0.28, 0.12)
LOG_START = np.datetime64("2023-01-01")
LOG_DAYS = 730
MEDIAN_ORDER_VALUE = 40.0
WHALE_SHARE = 0.003  # of the customers, all loyal: orders of about 20x the median order
REFUND_SHARE = 0.04  # of the repeat customers' purchases


@dataclass(frozen=True)
class PlantedLog:
    frame: pd.DataFrame  # customer_id, order_date, amount, quantity; in date order
    group: pd.Series  # planted group code (index of GROUPS) per customer id
    whales: np.ndarray  # ids


def _season_weights(low: int, high: int) -> np.ndarray:
    offsets = np.arange(low, high)
    day_of_year = (offsets % 365) / 365.0
    weight = 1.0 + 0.4 * np.cos(2 * np.pi * (day_of_year - 0.92))  # peak mid-December
    weight *= np.where((offsets + 6) % 7 >= 5, 1.3, 1.0)  # 2023-01-01 was a Sunday
    return weight / weight.sum()


def _seasonal_days(rng: np.random.Generator, size: int, low: int, high: int) -> np.ndarray:
    return rng.choice(np.arange(low, high), size=size, p=_season_weights(low, high))


def planted_purchase_log(customers: int, seed: int = 0) -> PlantedLog:
    rng = np.random.default_rng(seed)
    group = rng.choice(len(GROUPS), size=customers, p=SHARES)
    counts = np.ones(customers, dtype=np.int64)
    regular, loyal = group == 2, group == 3
    counts[regular] = 2 + rng.geometric(0.35, regular.sum())
    counts[loyal] = 14 + rng.geometric(0.12, loyal.sum())

    # Each customer's last purchase day, then the others before it.
    last = np.empty(customers, dtype=np.int64)
    for code, (low, high) in enumerate(
        ((LOG_DAYS - 120, LOG_DAYS), (0, LOG_DAYS - 365), (LOG_DAYS - 200, LOG_DAYS),
         (LOG_DAYS - 60, LOG_DAYS))
    ):  # fmt: skip
        members = group == code
        last[members] = _seasonal_days(rng, int(members.sum()), low, high)
    owner = np.repeat(np.arange(customers), counts)
    first_line = np.r_[0, np.cumsum(counts)[:-1]]
    is_last = np.zeros(len(owner), dtype=bool)
    is_last[first_line] = True
    earlier = _seasonal_days(rng, len(owner), 0, LOG_DAYS)
    day = np.where(is_last, last[owner], np.minimum(earlier, last[owner]))

    whales = np.flatnonzero(loyal & (rng.random(customers) < WHALE_SHARE / SHARES[3]))
    base = rng.lognormal(np.log(MEDIAN_ORDER_VALUE), 0.5, customers)
    base[whales] = 20 * MEDIAN_ORDER_VALUE * rng.lognormal(0.0, 0.2, len(whales))
    amount = np.round(base[owner] * rng.lognormal(0.0, 0.3, len(owner)), 2)
    quantity = 1 + rng.poisson(0.8, len(owner))

    repeat_line = counts[owner] > 1
    refunded = np.flatnonzero(repeat_line & (rng.random(len(owner)) < REFUND_SHARE))
    refund_day = np.minimum(day[refunded] + rng.integers(1, 15, len(refunded)), LOG_DAYS - 1)
    refund = -np.round(amount[refunded] * rng.uniform(0.2, 1.0, len(refunded)), 2)

    ids = np.array([f"K{i:06d}" for i in range(customers)], dtype=object)
    all_owner = np.concatenate([owner, owner[refunded]])
    all_day = np.concatenate([day, refund_day])
    order = np.argsort(all_day, kind="stable")
    frame = pd.DataFrame(
        {
            "customer_id": ids[all_owner[order]],
            "order_date": (LOG_START + all_day[order]).astype("datetime64[ns]"),
            "amount": np.concatenate([amount, refund])[order],
            "quantity": np.concatenate([quantity, np.full(len(refunded), -1)])[order],
        }
    )
    return PlantedLog(frame=frame, group=pd.Series(group, index=ids), whales=ids[whales])
