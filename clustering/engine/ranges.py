"""What the model saw in training, kept in the artifact so a prediction can be put in context:
per numeric feature the smallest and largest value of the training rows (original units), and
per segment the typical confidence of its training rows (the median).

Written at fit time (``training_ranges``, ``typical_confidences``: the artifact's ``ranges`` and
``typical_confidences`` parts), read by the compiled model (``TrainingRanges.of``). Both parts
are optional: an artifact saved before they existed loads with no ranges and no typical
confidences. Imports numpy only.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrainingRanges:
    """The training rows' minimum and maximum of each numeric feature, in original units."""

    columns: tuple[str, ...]
    minimums: np.ndarray  # float64, one per column (NaN: the column had no value)
    maximums: np.ndarray

    @classmethod
    def of(cls, artifact: Mapping) -> "TrainingRanges | None":
        """The artifact's ``ranges`` part aligned with its numeric columns; None when absent
        (older artifacts) or not of the right length."""
        ranges = artifact.get("ranges")
        columns = tuple(artifact["numeric"]["columns"])
        if not isinstance(ranges, Mapping):
            return None
        minimums, maximums = ranges.get("minimums"), ranges.get("maximums")
        if not isinstance(minimums, list) or not isinstance(maximums, list):
            return None
        if len(minimums) != len(columns) or len(maximums) != len(columns):
            return None
        try:
            return cls(columns=columns, minimums=_floats(minimums), maximums=_floats(maximums))
        except (TypeError, ValueError):  # not numbers: a damaged part gives no ranges
            return None

    def bounds(self, column: str) -> tuple[float, float] | None:
        """(minimum, maximum) of one numeric feature, or None when unknown."""
        if column not in self.columns:
            return None
        j = self.columns.index(column)
        low, high = float(self.minimums[j]), float(self.maximums[j])
        if not (np.isfinite(low) and np.isfinite(high)):
            return None
        return low, high


def _floats(values: list) -> np.ndarray:
    return np.asarray([np.nan if value is None else value for value in values], dtype=np.float64)


def training_ranges(columns: Sequence[str], raw: Callable[[str], np.ndarray]) -> dict:
    """The artifact's ``ranges`` part: ``raw(name)`` reads a numeric feature in original units
    (NaN = missing); a column with no finite value gets None."""
    minimums, maximums = [], []
    for name in columns:
        values = np.asarray(raw(name), dtype=np.float64)
        values = values[np.isfinite(values)]
        minimums.append(float(values.min()) if len(values) else None)
        maximums.append(float(values.max()) if len(values) else None)
    return {"minimums": minimums, "maximums": maximums}


def typical_confidences(
    labels: np.ndarray, confidences: np.ndarray, centroid_labels: Sequence[int]
) -> list[float | None]:
    """The artifact's ``typical_confidences``: per entry of ``centroid_labels``, the median
    confidence (0-100) of the training rows with that label, rounded to 2 places; None for a
    label no row has."""
    labels = np.asarray(labels)
    confidences = np.asarray(confidences, dtype=np.float64)
    typical: list[float | None] = []
    for label in centroid_labels:
        own = confidences[labels == label]
        typical.append(round(float(np.median(own)), 2) if len(own) else None)
    return typical


def typical_confidence_of(artifact: Mapping) -> dict[int, float]:
    """Label -> typical confidence from the artifact (empty for older artifacts)."""
    typical = artifact.get("typical_confidences")
    labels = artifact.get("labels") or list(range(len(artifact["centroids"])))
    if not isinstance(typical, list) or len(typical) != len(labels):
        return {}
    return {
        int(label): float(value)
        for label, value in zip(labels, typical, strict=True)
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
