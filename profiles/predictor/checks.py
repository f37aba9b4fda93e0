"""Checks of prediction input: one record, or a batch checked a column at a time, into the
columns the compiled model reads (``CompiledModel.predict_columns``), or refused naming every
bad record's fields in words the caller can act on. Document 004's field rules come from
``fields``."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from clustering.engine.values import category_string

from .fields import CONTRACT_FIELDS, NUMBER_RULES, SEX_VALUES, check_field, in_range, is_number


class PredictionInputError(ValueError):
    """One record's problems, by field, in words the caller can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class FeatureInput:
    """One model feature as a request names it: the dataset column, and 004's alias if any."""

    name: str
    kind: str  # "numeric" | "categorical"
    alias: str | None = None
    categories: tuple[str, ...] = ()
    # The range of a numeric feature in the dataset it was trained on (None: unknown).
    minimum: float | None = None
    maximum: float | None = None


class PredictionBatchError(ValueError):
    """Problems of a batch: per record index, its problems by field (as PredictionInputError)."""

    def __init__(self, errors: dict[int, dict[str, str]]) -> None:
        super().__init__(f"{len(errors)} customers have invalid fields")
        self.errors = errors


@dataclass(frozen=True)
class CleanBatch:
    """Checked records of a batch, by column: what the model reads and what is echoed."""

    columns: dict[str, list[Any]]  # per feature column: clean values, in record order
    echoes: list[dict[str, Any]]  # per record: the input as given (document 004 fields cleaned)


_NUMBERS = frozenset((int, float))
_CATEGORY_TYPES = frozenset((str, int, float))
_MISSING = object()


def _number_column(values: list[Any]) -> np.ndarray | None:
    """Float array of a column of finite JSON numbers (bool excluded), else None."""
    if not set(map(type, values)) <= _NUMBERS:
        return None
    try:
        array = np.array(values, dtype=np.float64)
    except OverflowError:
        return None
    return array if np.isfinite(array).all() else None


def clean_record(
    inputs: Sequence[FeatureInput], record: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values by feature column, the input echoed as given) or PredictionInputError.

    A feature may be sent under its dataset column name or under document 004's name for its
    role (`sex` for the gender column...). Document 004's five fields are checked by its
    rules whenever present; every feature the model uses is required. Unknown keys are
    ignored, as document 004's reference does."""
    if not isinstance(record, Mapping):
        raise PredictionInputError({"non_field_errors": "Each customer must be a JSON object."})
    errors: dict[str, str] = {}
    echo: dict[str, Any] = {}
    for name in CONTRACT_FIELDS:
        if name in record:
            value, error = check_field(name, record[name])
            if error:
                errors[name] = error
            else:
                echo[name] = value
    values: dict[str, Any] = {}
    for feature in inputs:
        key = feature.name if feature.name in record else feature.alias
        if key is None or key not in record or record[key] is None:
            wanted = f"'{feature.alias or feature.name}'"
            if feature.alias and feature.alias != feature.name:
                wanted += f" (the dataset's column '{feature.name}')"
            errors.setdefault(
                feature.alias or feature.name,
                f"This field is required: the published segmentation uses {wanted}.",
            )
            continue
        if key in errors:
            continue
        value = echo[key] if key in echo else record[key]
        if feature.kind == "numeric":
            if not is_number(value):
                errors[key] = f"Must be a number; got {value!r}."
                continue
            value = float(value)
        else:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                errors[key] = f"Must be text; got {value!r}."
                continue
            value = category_string(value)
            if key != "sex" and feature.categories and value not in feature.categories:
                allowed = ", ".join(feature.categories)
                errors[key] = f"Unknown value {value!r}; use one of: {allowed}."
                continue
        values[feature.name] = value
        echo.setdefault(key, record[key])
    if errors:
        raise PredictionInputError(errors)
    return values, echo


def clean_batch(inputs: Sequence[FeatureInput], records: Sequence[Any]) -> CleanBatch:
    """Check a batch: every record gets exactly `clean_record`'s values and echo, or the batch is
    refused with PredictionBatchError naming each bad record's fields in `clean_record`'s words.

    Checked a column at a time when the records agree in shape (each key sent by all or
    none, values of plain JSON types); any record that does not, or any value a column
    check refuses, sends the whole batch through `clean_record` record by record, which words
    the errors."""
    # One record: `clean` is quicker than setting up the columns (the /predict hot path).
    batch = clean_columns(inputs, records) if len(records) > 1 else None
    if batch is not None:
        return batch
    cleaned: list[dict[str, Any]] = []
    echoes: list[dict[str, Any]] = []
    errors: dict[int, dict[str, str]] = {}
    for index, record in enumerate(records):
        try:
            values, echo = clean_record(inputs, record)
        except PredictionInputError as exc:
            errors[index] = exc.errors
            continue
        cleaned.append(values)
        echoes.append(echo)
    if errors:
        raise PredictionBatchError(errors)
    names = [feature.name for feature in inputs]
    return CleanBatch(
        columns={name: [values[name] for values in cleaned] for name in names},
        echoes=echoes,
    )


def clean_columns(inputs: Sequence[FeatureInput], records: Sequence[Any]) -> CleanBatch | None:
    """`clean_batch`'s columnar check; None whenever `clean_record` must decide (and word
    its errors)."""
    if not all(type(record) is dict for record in records):
        return None
    n = len(records)
    sent: dict[str, list[Any]] = {}

    def column(key: str) -> list[Any] | None:
        """The key's values when every record sends it (not null); None when none does.
        Raises LookupError when only some do: `clean_record` decides then."""
        if key not in sent:
            values = [record.get(key, _MISSING) for record in records]
            missing = values.count(_MISSING)
            if missing == n:
                return None
            if missing or None in values:
                raise LookupError(key)
            sent[key] = values
        return sent[key]

    echo_columns: dict[str, list[Any]] = {}
    try:
        for name in CONTRACT_FIELDS:
            values = column(name)
            if values is None:
                continue
            if name == "sex":
                if not set(values) <= set(SEX_VALUES):
                    return None
                echo_columns[name] = values
                continue
            array = _number_column(values)
            if array is None:
                return None
            rule = NUMBER_RULES[name]
            if not in_range(rule, array).all():
                return None
            if rule.whole:
                if (array != np.floor(array)).any():
                    return None
                if not set(map(type, values)) <= {int}:
                    values = array.astype(np.int64).tolist()
            echo_columns[name] = values
        model_columns: dict[str, list[Any]] = {}
        for feature in inputs:
            values, key = column(feature.name), feature.name
            if values is None and feature.alias is not None:
                values, key = column(feature.alias), feature.alias
            if values is None:
                return None  # required and missing: `clean_record` names it
            if key in echo_columns:
                values = echo_columns[key]
            if feature.kind == "numeric":
                array = _number_column(values)
                if array is None:
                    return None
                model_columns[feature.name] = array.tolist()
            else:
                if key != "sex":
                    if not set(map(type, values)) <= _CATEGORY_TYPES:
                        return None
                    values = list(map(category_string, values))
                    if None in values:
                        return None
                    if feature.categories and not set(values) <= set(feature.categories):
                        return None
                model_columns[feature.name] = values
            echo_columns.setdefault(key, sent[key])
    except (LookupError, TypeError):  # a key sent by some records only; an unhashable value
        return None
    keys = list(echo_columns)
    rows = zip(*echo_columns.values(), strict=True)
    echoes = [dict(zip(keys, row, strict=True)) for row in rows]
    return CleanBatch(columns=model_columns, echoes=echoes)
