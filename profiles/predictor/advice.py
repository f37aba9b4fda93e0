"""What a prediction means, in words, next to its numbers: `warnings` for numeric inputs outside
the range of the training data (with "did you mean ...?" when a factor of 1,000 brings the value
inside it: income typed in thousands for a model trained in units, or the other way round), and
a `confidence_note` saying what the confidence measures and how it compares with the segment's
typical confidence.

Pure: reads the engine's compiled model (`ranges`, `typical_confidence`, `names_by_label`) and
writes figures with `config.numbers.number_text`. A model whose artifact predates the ranges
gives no warnings, and a note without the typical confidence.
"""

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from clustering.engine import CompiledModel
from clustering.engine.compiled import nearest_other
from config.numbers import number_text

UNIT_FACTOR = 1000  # the slip "did you mean" looks for: thousands typed as units, or back
SCALAR_CHECK_ROWS = 16  # up to this many rows, the range check compares numbers one by one
CLOSE_TO_TYPICAL = 5  # points of confidence within which a customer is "as typical as most"


_PERCENTS = tuple(number_text(n) for n in range(101))  # a note writes several per row


def _percent(value: int) -> str:
    return _PERCENTS[value] if 0 <= value <= 100 else number_text(value)


class Advice(NamedTuple):
    """The words that go with one prediction (a named tuple: a batch makes a thousand)."""

    warnings: tuple[str, ...]
    confidence_note: str


def field_label(name: str) -> str:
    """A request field as people read it: `annual_income` -> "Annual income"."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def range_warning(label: str, value: float, low: float, high: float) -> str | None:
    """The warning for one numeric input, or None inside [low, high]."""
    if low <= value <= high:
        return None
    return _outside(label, value, low, high, _bounds_text(low, high))


def _bounds_text(low: float, high: float) -> str:
    between = " to " if low < 0 else "-"  # "-5 to 10", never "-5--10"
    return f"({number_text(low)}{between}{number_text(high)})"


def _outside(label: str, value: float, low: float, high: float, bounds: str) -> str:
    """`range_warning` for a value known to be outside, the bounds already written."""
    below = value < low
    suggestion = value * UNIT_FACTOR if below else value / UNIT_FACTOR
    where = "below" if below else "above"
    text = f"{label} {number_text(value)} is {where} every customer in the training data {bounds}"
    if low <= suggestion <= high:
        return f"{text}: did you mean {number_text(suggestion)}?"
    return f"{text}: the model has seen no customer like this, so treat the segment with care."


def range_warnings(
    model: CompiledModel, values: Mapping[str, Any], *, names: Mapping[str, str] | None = None
) -> list[str]:
    """One sentence per numeric feature of `values` (by dataset column) outside the training
    range, in the model's feature order; `names` gives the field name the caller used (document
    004's alias) when it differs from the column."""
    ranges = model.ranges
    if ranges is None:
        return []
    warnings = []
    for j, column in enumerate(ranges.columns):
        value = values.get(column)
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        low, high = float(ranges.minimums[j]), float(ranges.maximums[j])
        if not (np.isfinite(low) and np.isfinite(high) and np.isfinite(value)):
            continue
        label = field_label((names or {}).get(column, column))
        warning = range_warning(label, float(value), low, high)
        if warning:
            warnings.append(warning)
    return warnings


def confidence_note(
    model: CompiledModel, *, label: int, confidence: float, runner_up: int | None
) -> str:
    """What `confidence` (0-100) means for a customer placed in `label`, measured against the
    nearest other segment `runner_up`, and how it compares with the segment's typical one."""
    name = model.name_of(label)
    shown = round(confidence)
    if runner_up is None or runner_up == label:
        return (
            f"{_percent(shown)}% confidence: the model has one segment, {name}, and no other "
            "to weigh this customer against."
        )
    other = model.name_of(runner_up)
    if shown <= 0:
        meaning = (
            f"0% confidence: as near to the centre of {other} as to that of {name} (or nearer), "
            "on the border between the two."
        )
    else:
        meaning = (
            f"{_percent(shown)}% confidence: the distance to the centre of {name} is "
            f"{_percent(100 - shown)}% of the distance to the next nearest segment, {other} "
            "(100% = at the centre, 0% = on the border)."
        )
    typical = model.typical_confidence.get(int(label))
    if typical is None:
        return meaning
    typical_shown = round(typical)
    if shown < typical_shown - CLOSE_TO_TYPICAL:
        compared = "less clearly placed than most"
    elif shown > typical_shown + CLOSE_TO_TYPICAL:
        compared = "more clearly placed than most"
    else:
        compared = "placed about as clearly as most"
    return (
        f"{meaning} {name} customers typically get {_percent(typical_shown)}% (the median in "
        f"the training data): this one is {compared}."
    )


def advise(
    model: CompiledModel, record: Mapping[str, Any], *, names: Mapping[str, str] | None = None
) -> Advice:
    """Predict one record (values by dataset column) and word its warnings and note."""
    prediction = model.predict_record(record)
    distances = np.asarray([prediction.distances])
    own = np.flatnonzero(model.labels == prediction.label)[:1]
    runner_up = int(model.labels[nearest_other(distances, own)[0]]) if len(own) else None
    return Advice(
        warnings=tuple(range_warnings(model, record, names=names)),
        confidence_note=confidence_note(
            model, label=prediction.label, confidence=prediction.confidence, runner_up=runner_up
        ),
    )


def advise_batch(
    model: CompiledModel,
    columns: Mapping[str, Sequence[Any]],
    *,
    labels: Sequence[int],
    confidences: Sequence[float],
    runner_ups: Sequence[int],
    names: Mapping[str, str] | None = None,
    notes: dict[tuple[int, int, int], str] | None = None,
) -> list[Advice]:
    """`Advice` for each row of checked columns (values by dataset column, as the model reads
    them) already predicted: the range check runs a column at a time, and rows with the same
    segment, rounded confidence and runner-up share one note. `notes` keeps the notes written,
    by (label, rounded confidence, runner-up), across calls for the same model (at most
    k x k x 101 of them)."""
    warned: dict[int, list[str]] = {}
    ranges = model.ranges
    if ranges is not None:
        for j, column in enumerate(ranges.columns):
            low, high = float(ranges.minimums[j]), float(ranges.maximums[j])
            if column not in columns or not (np.isfinite(low) and np.isfinite(high)):
                continue
            values = columns[column]
            if len(values) > SCALAR_CHECK_ROWS:  # a batch: compared as one array
                array = np.asarray(values, dtype=np.float64)
                rows = np.flatnonzero((array < low) | (array > high)).tolist()
            else:  # a few customers (the /predict hot path): no array to set up
                rows = [row for row, value in enumerate(values) if not low <= value <= high]
            if not rows:
                continue
            label = field_label((names or {}).get(column, column))
            bounds = _bounds_text(low, high)
            for row in rows:
                value = float(values[row])
                warned.setdefault(row, []).append(_outside(label, value, low, high, bounds))
    if notes is None:
        notes = {}
    known = notes.get
    written = []
    for key in zip(labels, map(round, confidences), runner_ups, strict=True):
        note = known(key)
        if note is None:
            label, shown, runner_up = key
            note = notes[key] = confidence_note(
                model, label=label, confidence=shown, runner_up=runner_up
            )
        written.append(note)
    return [
        Advice(tuple(warned[row]) if row in warned else (), note)
        for row, note in enumerate(written)
    ]
