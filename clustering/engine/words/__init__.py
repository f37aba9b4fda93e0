"""Words for segments: names, characteristics, a summary paragraph and a recommendation.

Every segment name comes from ``name_segments``: descriptive, from the segment's profile relative
to the whole table, and unique within a run (duplicates get a descriptive qualifier, never a
number). The vocabulary follows the data:

- recency with frequency or monetary columns: the customer-value vocabulary (``rfm``: Champions,
  Loyal, At risk, Can't lose them, Hibernating, Lost...), from the segment's position on each;
- demographic and spending roles: document 004's vocabulary (``income``: High Value Customers,
  Budget Conscious, Potential Growth, Young Enthusiasts...), from z-scores;
- otherwise the features furthest from everyone ("High annual income, low age");
- DBSCAN's noise is NOISE_NAME.

Characteristics and recommendations quote the segment's real figures (``figures``). Imports
numpy only (``artifact_names``); the rest is pure Python.
"""

from collections.abc import Mapping, Sequence

import numpy as np

from clustering.engine.labels import NOISE_LABEL
from clustering.engine.words import income, rfm
from clustering.engine.words.figures import (
    display,
    feature_figures,
    rfm_figures,
    rfm_traits,
)
from clustering.engine.words.income import NOTABLE_Z, income_names, role_scores
from clustering.engine.words.unique import Axis, unique_names
from common.numbers import PERCENT_DECIMALS, number_text

NOISE_NAME = "Outliers (not in any segment)"
TYPICAL_NAME = "Typical customers"
UNPROFILED = "Unprofiled customers"
DESCRIBE_Z = 0.1  # a feature this many standard deviations from everyone's can describe a segment
DESCRIBE_LIFT = 0.05  # a category this much more common than among everyone can describe one
MAX_NAME_CHARS = 120  # Cluster.name's length
MAX_CHARACTERISTICS = 5
DOMINANT_SHARE = 0.5  # "Primarily from North region" needs at least half of the segment
DOMINANT_LIFT = 1.2  # ...and clearly more than the share among all customers
MAJOR_SHARE = 20.0  # a segment with this percentage of customers is a major one
SHARE_AXIS = Axis(
    "share", words={2: ("smaller", "larger"), 3: ("smallest", "mid-sized", "largest")}
)

SHARE_WORDS = {  # a category's share, lowest first: "Mostly North (more Female)"
    2: ("less", "more"),
    3: ("least", "some", "most"),
    4: ("least", "less", "more", "most"),
    5: ("least", "less", "some", "more", "most"),
}

PHRASES = {  # role -> (high, low, middle)
    "income": ("Higher income bracket", "Lower income bracket", "Middle income bracket"),
    "spending_score": ("High spending score", "Low spending score", "Average spending score"),
    "purchase_frequency": (
        "High purchase frequency",
        "Low purchase frequency",
        "Medium purchase frequency",
    ),
    "purchase_amount": ("Larger purchases", "Smaller purchases", "Typical purchase size"),
    "age": ("Older customers", "Younger customers", "Middle-aged customers"),
    "tenure": ("Long-standing customers", "Recently acquired", "Average tenure"),
}

__all__ = [
    "NOISE_NAME",
    "artifact_names",
    "characteristics",
    "describe",
    "figures",
    "name_segments",
    "recommendation",
    "renamed_in_text",
    "summary",
]


def name_segments(
    labels: Sequence[int],
    *,
    z_scores: Mapping[int, Mapping[str, float]] | None = None,
    roles: Mapping[str, str | None] | None = None,
    positions: Mapping[int, Mapping[str, float]] | None = None,
    leaders: Mapping[int, Mapping[str, tuple[str, float, float]]] | None = None,
    category_shares: Mapping[int, Mapping[str, Mapping[str, float]]] | None = None,
    percentages: Mapping[int, float] | None = None,
) -> dict[int, str]:
    """A unique, descriptive name per label, from whatever is known of the segments.

    z_scores: segment -> feature -> (segment mean - overall mean) / overall std; roles: feature
    -> semantic role; positions: segment -> feature -> mean percentile of its customers in the
    whole table (see ``rfm``); leaders: segment -> categorical column -> (leading value, its
    share in the segment, its share among everyone); category_shares: segment -> column -> value
    -> share; percentages: segment -> share of customers, used when nothing else is known.
    Negative labels (noise) are NOISE_NAME.
    """
    roles = roles or {}
    z_scores = z_scores or {}
    leaders = leaders or {}
    members = [int(label) for label in labels if label != NOISE_LABEL]
    columns = rfm.rfm_columns(roles) if positions else {}
    names: dict[int, str] = {}
    values: dict[int, dict[str, float]] = {}
    axes: dict[str, Axis] = {}
    if columns:
        for label in members:
            position = rfm.axis_positions((positions or {}).get(label, {}), columns)
            if position:
                names[label] = rfm.rfm_name(position)
            # duplicates are told apart by their means (the figures they quote), not by ranks
            values[label] = rfm.axis_values(z_scores.get(label, {}), columns) or position
        axes = {axis: rfm.AXES[axis] for axis in columns}
    elif z_scores:
        role_z = {label: role_scores(z_scores.get(label, {}), roles) for label in members}
        names = income_names(role_z)
        values = {label: dict(z_scores.get(label, {})) for label in members}
        features = dict.fromkeys(feature for label in members for feature in values[label])
        axes = {feature: Axis(display(feature)) for feature in features}
    if category_shares and not columns:  # categories tell segments apart too: "more Female"
        for key, axis, shares in _category_axes(members, category_shares):
            axes[key] = axis
            for label in members:
                values.setdefault(label, {})[key] = shares[label]
    elif percentages:
        ranked = sorted(members, key=lambda label: (-percentages.get(label, 0.0), label))
        for rank, label in enumerate(ranked):
            names[label] = _size_name(rank, percentages.get(label, 0.0))
            values[label] = {"share": percentages.get(label, 0.0)}
        axes = {"share": SHARE_AXIS}
    for label in members:
        if label not in names:
            profile, lead = z_scores.get(label), leaders.get(label)
            known = profile or lead
            names[label] = describe(z_scores=profile or {}, leaders=lead) if known else UNPROFILED
    names = unique_names(names, values=values, axes=axes)
    names.update({int(label): NOISE_NAME for label in labels if label == NOISE_LABEL})
    return _within(names, MAX_NAME_CHARS)


def describe(
    *,
    z_scores: Mapping[str, float],
    leaders: Mapping[str, tuple[str, float, float]] | None = None,
) -> str:
    """A neutral name from the two features furthest from everyone: 'High x, low y'; without a
    numeric difference, the most over-represented category: 'Mostly region North'."""
    ranked = sorted(z_scores.items(), key=lambda item: -abs(item[1]))[:2]
    parts = [
        f"{'high' if z >= 0 else 'low'} {display(name)}"
        for name, z in ranked
        if abs(z) >= DESCRIBE_Z
    ]
    lifts = [
        (share - overall, column, value)
        for column, (value, share, overall) in (leaders or {}).items()
        if share - overall >= DESCRIBE_LIFT
    ]
    if not parts and lifts:
        _, column, value = max(lifts)
        parts = [f"mostly {display(column)} {value}"]
    if not parts:
        return TYPICAL_NAME
    text = ", ".join(parts)
    return text[0].upper() + text[1:]


def artifact_names(artifact: Mapping) -> tuple[str, ...]:
    """Names for a stored model that carries none: each centroid's numeric features against the
    other centroids' (in standard deviations), through ``name_segments``."""
    centroids = np.asarray(artifact.get("centroids") or [], dtype=np.float64)
    labels = [int(label) for label in (artifact.get("labels") or range(len(centroids)))]
    if centroids.ndim != 2 or len(centroids) != len(labels):
        return tuple(name_segments(labels)[label] for label in labels)
    pca = artifact.get("pca")
    if pca:  # back from principal components to the encoded columns
        centroids = centroids @ np.asarray(pca["components"]) + np.asarray(pca["mean"])
    columns = list((artifact.get("numeric") or {}).get("columns") or [])[: centroids.shape[1]]
    spread = centroids[:, : len(columns)].std(axis=0)
    z = (centroids[:, : len(columns)] - centroids[:, : len(columns)].mean(axis=0)) / np.where(
        spread > 0, spread, 1.0
    )
    z_scores = {
        label: {column: float(z[i, j]) for j, column in enumerate(columns)}
        for i, label in enumerate(labels)
    }
    names = name_segments(labels, z_scores=z_scores)
    return tuple(names[label] for label in labels)


def figures(
    *,
    means: Mapping[str, float | None],
    z_scores: Mapping[str, float],
    roles: Mapping[str, str | None],
) -> str:
    """The segment's real figures: 'last purchase 12 days ago on average, 8.4 purchases, 1,240
    spent' for customer-value data, else the features furthest from everyone's."""
    columns = rfm.rfm_columns(roles)
    if columns:
        return rfm_figures(columns, means, roles)
    return feature_figures(means, z_scores, roles)


def characteristics(
    *,
    z_scores: Mapping[str, float],
    roles: Mapping[str, str | None],
    leaders: Mapping[str, tuple[str, float, float]],
    means: Mapping[str, float | None] | None = None,
    overall_means: Mapping[str, float | None] | None = None,
) -> list[str]:
    """Short phrases, most distinctive first: 'Higher income bracket', 'Primarily from North';
    customer-value data opens with its figures: 'Last purchase 12 days ago on average (all
    customers: 95)', '8.4 purchases on average (all customers: 2.1)'."""
    columns = rfm.rfm_columns(roles) if means is not None else {}
    opening = rfm_traits(columns, means or {}, overall_means or {}, roles) if columns else []
    scored: list[tuple[float, str]] = []
    for feature, z in z_scores.items():
        role = roles.get(feature)
        if feature in columns.values():
            continue
        if role in PHRASES:
            high, low, middle = PHRASES[role]
            phrase = high if z >= NOTABLE_Z else low if z <= -NOTABLE_Z else middle
            scored.append((abs(z), phrase))
        elif abs(z) >= NOTABLE_Z:
            scored.append((abs(z), f"{'High' if z > 0 else 'Low'} {feature}"))
    for feature, (value, share, overall) in leaders.items():
        if share >= DOMINANT_SHARE and share >= overall * DOMINANT_LIFT:
            role = roles.get(feature)
            if role == "region":
                phrase = f"Primarily from {value} region"
            elif role == "gender":
                phrase = f"Mostly {value} ({share:.0%})"
            else:
                phrase = f"Mostly {feature} {value} ({share:.0%})"
            scored.append((1.0 + share - overall, phrase))
    ordered = opening + [phrase for _, phrase in sorted(scored, key=lambda item: -item[0])]
    return list(dict.fromkeys(ordered))[:MAX_CHARACTERISTICS]


def _customers(size: int) -> str:
    return f"{size:,} customer{'' if size == 1 else 's'}"


def _share(percentage: float) -> str:
    """ "19.2%", and a share under 0.1% in two significant digits ("0.033%"), never "0.0%"."""
    return f"{number_text(percentage, PERCENT_DECIMALS)}%"


def summary(
    *,
    name: str,
    label: int,
    size: int,
    percentage: float,
    means: Mapping[str, float | None],
    overall_means: Mapping[str, float | None],
    z_scores: Mapping[str, float],
    traits: Sequence[str],
) -> str:
    """One paragraph: who the segment is, how it differs from everyone, in numbers."""
    opening = (
        f"Cluster {label} ({name}) contains {_customers(size)} ({_share(percentage)} of total)."
        if label != NOISE_LABEL
        else f"{_customers(size)} ({_share(percentage)} of total) fit no dense group and are "
        "treated as outliers."
    )
    contrasts = []
    for feature, z in sorted(z_scores.items(), key=lambda item: -abs(item[1]))[:3]:
        mean, overall = means.get(feature), overall_means.get(feature)
        if abs(z) >= NOTABLE_Z and mean is not None and overall is not None:
            word = "high" if z > 0 else "low"
            contrasts.append(f"{word} {feature} (avg: {mean:,.2f} vs {overall:,.2f} overall)")
    body = (
        f" Characterized by {_join(contrasts)}."
        if contrasts
        else " Its averages are close to those of all customers."
    )
    extra = [trait for trait in traits if trait.startswith(("Primarily", "Mostly"))]
    tail = f" {'; '.join(extra)}." if extra else ""
    return opening + body + tail


def renamed_in_text(text: str, *, old: str, new: str) -> str:
    """A summary or recommendation with the segment's name changed where these texts quote it:
    `(name)` after "Cluster N" in a summary and `"name"` in a recommendation. Other words that
    happen to match the old name are left alone."""
    if not text or not old or old == new:
        return text
    return text.replace(f"({old})", f"({new})").replace(f'"{old}"', f'"{new}"')


def recommendation(
    *, name: str, label: int, percentage: float, rank: int, figures: str | None = None
) -> str:
    """What to do with the segment, by its name's vocabulary (a qualified name such as 'Loyal
    (high spend)' reads as 'Loyal'), quoting `figures` when given; a size-based suggestion when
    the name belongs to no vocabulary."""
    quoted = f" ({figures})" if figures else ""
    base = name.split(" (", 1)[0] if name.endswith(")") else name
    for table in (rfm.RECOMMENDATIONS, income.RECOMMENDATIONS):
        if base in table:
            return table[base].format(name=name, figures=quoted)
    if label == NOISE_LABEL:
        return (
            f"Review the {percentage:.1f}% of outliers{quoted} by hand: they may be data errors "
            "or rare, valuable customers."
        )
    if rank == 0:
        return (
            f'"{name}"{quoted} (Core Segment - {percentage:.1f}%): largest customer base. '
            "Maintain loyalty programs and regular engagement."
        )
    if percentage >= MAJOR_SHARE:
        return (
            f'"{name}"{quoted} (Major Segment - {percentage:.1f}%): significant revenue '
            "contributor. Focus on retention and upselling."
        )
    return (
        f'"{name}"{quoted} (Niche Segment - {percentage:.1f}%): specialised needs. Develop '
        "targeted offerings and test them on a small group first."
    )


def _category_axes(
    members: Sequence[int], category_shares: Mapping[int, Mapping[str, Mapping[str, float]]]
) -> list[tuple[str, Axis, dict[int, float]]]:
    """One axis per (column, value) seen in any segment: its share in each segment."""
    found: dict[tuple[str, str], dict[int, float]] = {}
    for label in members:
        for column, shares in category_shares.get(label, {}).items():
            for value in shares:
                found.setdefault((column, str(value)), {})
    axes = []
    for (column, value), shares in found.items():
        for label in members:
            shares[label] = float(category_shares.get(label, {}).get(column, {}).get(value, 0.0))
        noun = f"{display(column)} {value}"
        axis = Axis(
            noun, words={n: tuple(f"{w} {noun}" for w in ws) for n, ws in SHARE_WORDS.items()}
        )
        axes.append((f"{column}={value}", axis, shares))
    return axes


def _within(names: dict[int, str], limit: int) -> dict[int, str]:
    """Names cut to `limit` characters (the stored name's length), still unique: names alike
    once cut become variants, and the cut leaves room for that."""
    if all(len(name) <= limit for name in names.values()):
        return names
    variant = len(" (variant A)") + 1
    cut = {
        label: name if len(name) <= limit else name[: limit - variant].rstrip() + "…"
        for label, name in names.items()
    }
    return unique_names(cut, values={}, axes={})


def _size_name(rank: int, percentage: float) -> str:
    if rank == 0:
        return "Core customers"
    return "Major group" if percentage >= MAJOR_SHARE else "Niche group"


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
