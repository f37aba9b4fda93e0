"""The customer-value (RFM) vocabulary: Champions, Loyal, Potential loyalists, New customers,
Promising, Need attention, About to sleep, At risk, Can't lose them, Hibernating, Lost.

In: each segment's position on recency, frequency, monetary value and tenure relative to the whole
table: the mean percentile of its customers in each column (0 = everyone else has more, 1 =
everyone else has less, ties count half; 0.5 is the typical customer). Recency is turned round
(1 = bought most recently). Out: the name whose profile is nearest, and a recommendation that
fits it. Used when the data has a recency column and a frequency or monetary one. Pure Python.
"""

import math
from collections.abc import Callable, Mapping

from clustering.engine.words.unique import Axis

RECENCY, FREQUENCY, MONETARY, TENURE = "recency", "frequency", "monetary", "tenure"
AXIS_ROLES = {  # axis -> the roles that can stand for it, best first
    RECENCY: ("recency",),
    FREQUENCY: ("frequency", "purchase_frequency"),
    MONETARY: ("monetary", "purchase_amount"),
    TENURE: ("tenure",),
}
AXIS_WEIGHTS = {RECENCY: 1.0, FREQUENCY: 1.0, MONETARY: 0.7, TENURE: 0.5}

# name -> (recentness, frequency, monetary, tenure) positions of its typical segment. A segment
# of one-time buyers sits near 0.3 on frequency when most customers bought once.
PROFILES: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("Champions", (0.8, 0.85, 0.85, 0.6)),
    ("Loyal", (0.6, 0.8, 0.75, 0.7)),
    ("Potential loyalists", (0.8, 0.6, 0.6, 0.45)),
    ("New customers", (0.9, 0.3, 0.35, 0.1)),
    ("Promising", (0.7, 0.35, 0.4, 0.3)),
    ("Need attention", (0.5, 0.55, 0.55, 0.5)),
    ("About to sleep", (0.38, 0.35, 0.4, 0.5)),
    ("At risk", (0.25, 0.7, 0.7, 0.65)),
    ("Can't lose them", (0.12, 0.88, 0.88, 0.75)),
    ("Hibernating", (0.22, 0.35, 0.35, 0.55)),
    ("Lost", (0.08, 0.28, 0.3, 0.7)),
)

RECOMMENDATIONS = {
    "Champions": 'Reward "{name}"{figures}: early access, loyalty perks and referral asks. '
    "They are your best customers; they need recognition, not discounts.",
    "Loyal": 'Upsell "{name}"{figures} higher-value products, ask them for reviews and keep '
    "them in a membership tier.",
    "Potential loyalists": 'Turn "{name}"{figures} into loyal customers with a membership offer '
    "and recommendations based on what they bought.",
    "New customers": 'Onboard "{name}"{figures}: a welcome series and an incentive for a second '
    "purchase within their first weeks.",
    "Promising": 'Build on the recent interest of "{name}"{figures} with trials and an easy '
    "second purchase.",
    "Need attention": 'Re-engage "{name}"{figures} with limited-time offers based on their past '
    "purchases before they drift away.",
    "About to sleep": 'Wake "{name}"{figures} before they lapse: show popular products and a '
    "renewal discount.",
    "At risk": 'Win back "{name}"{figures} with personal messages and renewal offers: they used '
    "to buy often and have stopped.",
    "Can't lose them": 'Win back "{name}"{figures} personally: call them, offer the new versions '
    "of what they bought and find out why they left before a competitor keeps them.",
    "Hibernating": 'Offer "{name}"{figures} relevant products and special discounts, and keep the '
    "cost of reaching them low.",
    "Lost": 'Try one low-cost reactivation campaign on "{name}"{figures}; if they do not answer, '
    "stop spending on them.",
}

AXES = {  # how duplicates are told apart: "Loyal (high spend)" / "Loyal (low spend)"
    MONETARY: Axis("spend"),
    FREQUENCY: Axis(
        "purchases",
        words={
            2: ("fewer purchases", "more purchases"),
            3: ("fewest purchases", "some purchases", "most purchases"),
        },
    ),
    RECENCY: Axis(
        "recency",
        words={
            2: ("lapsed", "recent"),
            3: ("lapsed", "mid recency", "recent"),
            4: ("long lapsed", "lapsed", "recent", "most recent"),
            5: ("long lapsed", "lapsed", "mid recency", "recent", "most recent"),
        },
    ),
    TENURE: Axis(
        "tenure",
        words={
            2: ("newer", "longer-standing"),
            3: ("newest", "mid tenure", "longest-standing"),
        },
    ),
}


def rfm_columns(roles: Mapping[str, str | None]) -> dict[str, str]:
    """axis -> the column that stands for it; empty unless the data has recency and a frequency
    or monetary column (without recency the customer-value names would be guesses)."""
    by_role: dict[str, str] = {}
    for column, role in roles.items():
        if role and role not in by_role:
            by_role[role] = column
    columns = {}
    for axis, candidates in AXIS_ROLES.items():
        found = next((by_role[role] for role in candidates if role in by_role), None)
        if found is not None:
            columns[axis] = found
    if RECENCY not in columns or not ({FREQUENCY, MONETARY} & set(columns)):
        return {}
    return columns


def axis_positions(positions: Mapping[str, float], columns: Mapping[str, str]) -> dict[str, float]:
    """A segment's column positions by axis, recency turned round (1 = most recent)."""
    return _by_axis(positions, columns, recency=lambda value: 1.0 - value)


def axis_values(z_scores: Mapping[str, float], columns: Mapping[str, str]) -> dict[str, float]:
    """A segment's z-scores by axis, recency turned round (higher = more recent)."""
    return _by_axis(z_scores, columns, recency=lambda value: -value)


def _by_axis(
    values: Mapping[str, float], columns: Mapping[str, str], *, recency: Callable[[float], float]
) -> dict[str, float]:
    found = {}
    for axis, column in columns.items():
        value = values.get(column)
        if value is not None and math.isfinite(value):
            found[axis] = recency(value) if axis == RECENCY else value
    return found


def rfm_name(position: Mapping[str, float]) -> str:
    """The vocabulary's name nearest to the segment's axis positions."""
    best, nearest = PROFILES[0][0], math.inf
    for name, profile in PROFILES:
        distance = 0.0
        for axis, target in zip((RECENCY, FREQUENCY, MONETARY, TENURE), profile, strict=True):
            if axis in position:
                distance += AXIS_WEIGHTS[axis] * (position[axis] - target) ** 2
        if distance < nearest:
            best, nearest = name, distance
    return best
