"""Unique names: segments that would share a name get a descriptive qualifier, never a number.

In: each segment's base name and its position on a few named axes (e.g. spend, purchases, last
purchase). Out: the names, the duplicates qualified by the axis that separates them best:
"Loyal (high spend)" / "Loyal (low spend)"; three or more share the words of LEVELS, more than
five are split on a second axis ("Loyal (high spend, recent)"). Pure Python.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LEVELS = {  # rank words, lowest first, by the number of segments that share a name
    2: ("low", "high"),
    3: ("low", "mid", "high"),
    4: ("lowest", "low", "high", "highest"),
    5: ("lowest", "low", "mid", "high", "highest"),
}
MIN_SPREAD = 1e-9  # an axis on which the tied segments do not differ cannot tell them apart
VARIANTS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # the last resort for segments identical on every axis


@dataclass(frozen=True)
class Axis:
    """A direction segments can differ on: 'spend' reads "high spend" / "low spend"; an axis with
    its own words (lowest value first, per group size) reads those instead."""

    noun: str
    words: Mapping[int, Sequence[str]] | None = None

    def word(self, rank: int, of: int) -> str:
        if self.words and of in self.words:
            return self.words[of][rank]
        return f"{LEVELS[of][rank]} {self.noun}"


def unique_names(
    names: Mapping[int, str],
    *,
    values: Mapping[int, Mapping[str, float]],
    axes: Mapping[str, Axis],
) -> dict[int, str]:
    """Every name once: a name given to several segments gains a qualifier per segment, from the
    axes (key -> Axis) of `values` (segment -> axis key -> value) that set them apart."""
    groups: dict[str, list[int]] = {}
    for label in sorted(names):
        groups.setdefault(names[label], []).append(label)
    unique = dict(names)
    for name, members in groups.items():
        if len(members) < 2:
            continue
        words = _qualify(members, values=values, axes=axes, used=())
        for label in members:
            if words[label]:
                unique[label] = f"{name} ({', '.join(words[label])})"
    return _variants(unique)


def _qualify(
    members: list[int],
    *,
    values: Mapping[int, Mapping[str, float]],
    axes: Mapping[str, Axis],
    used: tuple[str, ...],
) -> dict[int, list[str]]:
    if len(members) < 2:
        return {label: [] for label in members}
    key = _widest_axis(members, values=values, axes=axes, used=used)
    if key is None:
        return {label: [] for label in members}
    ranked = sorted(members, key=lambda label: (values[label][key], label))
    levels = min(len(ranked), max(LEVELS))
    words: dict[int, list[str]] = {}
    for level in range(levels):
        share = [ranked[i] for i in range(len(ranked)) if i * levels // len(ranked) == level]
        deeper = _qualify(share, values=values, axes=axes, used=(*used, key))
        for label in share:
            words[label] = [axes[key].word(level, levels), *deeper[label]]
    return words


def _widest_axis(
    members: list[int],
    *,
    values: Mapping[int, Mapping[str, float]],
    axes: Mapping[str, Axis],
    used: tuple[str, ...],
) -> str | None:
    best, widest = None, MIN_SPREAD
    for key in axes:
        if key in used:
            continue
        found = [values.get(label, {}).get(key) for label in members]
        if any(value is None for value in found):
            continue
        spread = max(found) - min(found)
        if spread > widest:
            best, widest = key, spread
    return best


def _variants(names: dict[int, str]) -> dict[int, str]:
    """Segments still alike on every axis: 'variant A', 'variant B' (letters, not numbers)."""
    groups: dict[str, list[int]] = {}
    for label in sorted(names):
        groups.setdefault(names[label], []).append(label)
    for name, members in groups.items():
        if len(members) > 1:
            for i, label in enumerate(members):
                names[label] = f"{name} (variant {VARIANTS[i % len(VARIANTS)]})"
    return names
