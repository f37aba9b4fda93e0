"""Prediction fast path: a run's JSON model artifact compiled once into numpy arrays.

In: `ClusteringRun.model_artifact` (docs/architecture.md, "The model artifact") and the run's
dataset schema (for the columns' semantic roles). Out: per record, the cluster label and a
confidence 0-100 equal to the engine's reference `load_model(artifact).predict`, without paying
scikit-learn's per-call validation. Compiled models are cached per process, keyed by run id and
the shared cache key `published-run-version`, so a publish in any process invalidates them.
"""

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np
from django.core.cache import cache

from clustering.engine.preprocess import category_string
from clustering.engine.words import artifact_names
from clustering.models import ClusteringRun
from clustering.selectors import published_run_get
from clustering.services import PUBLISHED_VERSION_KEY

# Document 004's request names for the dataset columns that carry these semantic roles.
ROLE_ALIASES = {
    "gender": "sex",
    "age": "age",
    "income": "annual_income",
    "spending_score": "spending_score",
    "purchase_frequency": "purchase_frequency",
}
CONTRACT_FIELDS = ("sex", "age", "annual_income", "spending_score", "purchase_frequency")
SEX_VALUES = ("Male", "Female")


class PredictionInputError(ValueError):
    """One record's problems, by field, in words the caller can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


def _is_number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer beyond any float
        return False


def _whole(value: Any) -> bool:
    return isinstance(value, int) or float(value).is_integer()


def _check_contract_field(name: str, value: Any) -> tuple[Any, str | None]:
    """Document 004 section 8's rule for one of its five fields: (clean value, error or None)."""
    if name == "sex":
        if value not in SEX_VALUES:
            return None, f"Must be 'Male' or 'Female'; got {value!r}."
        return value, None
    if not _is_number(value):
        return None, f"Must be a number; got {value!r}."
    if name == "age":
        if not _whole(value) or not 18 <= value <= 100:
            return None, f"Age must be a whole number between 18 and 100; got {value}."
        return int(value), None
    if name == "spending_score":
        if not _whole(value) or not 1 <= value <= 100:
            return None, f"Spending score must be a whole number between 1 and 100; got {value}."
        return int(value), None
    if value < 0:
        label = name.replace("_", " ").capitalize()
        return None, f"{label} must be 0 or more; got {value}."
    return (int(value) if isinstance(value, int) else float(value)), None


@dataclass(frozen=True)
class FeatureInput:
    """One model feature as a request names it: the dataset column, and 004's alias if any."""

    name: str
    kind: str  # "numeric" | "categorical"
    alias: str | None = None
    categories: tuple[str, ...] = ()


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
# Document 004 section 8, as the columnar check applies it: (minimum, maximum, whole numbers).
_CONTRACT_RANGES = {
    "age": (18, 100, True),
    "spending_score": (1, 100, True),
    "annual_income": (0, None, False),
    "purchase_frequency": (0, None, False),
}


def _number_column(values: list[Any]) -> np.ndarray | None:
    """Float array of a column of finite JSON numbers (bool excluded), else None."""
    if not set(map(type, values)) <= _NUMBERS:
        return None
    try:
        array = np.array(values, dtype=np.float64)
    except OverflowError:
        return None
    return array if np.isfinite(array).all() else None


@dataclass
class CompiledModel:
    """Arrays of one run's artifact, ready for vectorised prediction of any number of rows."""

    run_id: int | None
    inputs: tuple[FeatureInput, ...]
    numeric_columns: tuple[str, ...]
    categorical_columns: tuple[str, ...]
    means: np.ndarray
    scales: np.ndarray
    category_index: tuple[dict[str, int], ...]  # per categorical column: value -> encoded column
    n_encoded: int
    components_t: np.ndarray | None  # PCA components transposed (n_encoded, n_components)
    pca_offset: np.ndarray | None  # pca.mean @ components.T
    centroids: np.ndarray  # (k, d) in model space
    centroid_sq_norms: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]
    gmm: dict[str, np.ndarray] | None = None
    names_by_label: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names_by_label = dict(zip(self.labels.tolist(), self.names, strict=True))

    # --- input ------------------------------------------------------------------------------
    def clean(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
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
                value, error = _check_contract_field(name, record[name])
                if error:
                    errors[name] = error
                else:
                    echo[name] = value
        values: dict[str, Any] = {}
        for feature in self.inputs:
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
                if not _is_number(value):
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

    def clean_batch(self, records: Sequence[Any]) -> CleanBatch:
        """Check a batch: every record gets exactly `clean`'s values and echo, or the batch is
        refused with PredictionBatchError naming each bad record's fields in `clean`'s words.

        Checked a column at a time when the records agree in shape (each key sent by all or
        none, values of plain JSON types); any record that does not, or any value a column
        check refuses, sends the whole batch through `clean` record by record, which words
        the errors."""
        # One record: `clean` is quicker than setting up the columns (the /predict hot path).
        batch = self._clean_columns(records) if len(records) > 1 else None
        if batch is not None:
            return batch
        cleaned: list[dict[str, Any]] = []
        echoes: list[dict[str, Any]] = []
        errors: dict[int, dict[str, str]] = {}
        for index, record in enumerate(records):
            try:
                values, echo = self.clean(record)
            except PredictionInputError as exc:
                errors[index] = exc.errors
                continue
            cleaned.append(values)
            echoes.append(echo)
        if errors:
            raise PredictionBatchError(errors)
        names = [feature.name for feature in self.inputs]
        return CleanBatch(
            columns={name: [values[name] for values in cleaned] for name in names},
            echoes=echoes,
        )

    def _clean_columns(self, records: Sequence[Any]) -> CleanBatch | None:
        """`clean_batch`'s columnar check; None whenever `clean` must decide (and word errors)."""
        if not all(type(record) is dict for record in records):
            return None
        n = len(records)
        sent: dict[str, list[Any]] = {}

        def column(key: str) -> list[Any] | None:
            """The key's values when every record sends it (not null); None when none does.
            Raises LookupError when only some do: `clean` decides then."""
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
                low, high, whole = _CONTRACT_RANGES[name]
                if (array < low).any() or (high is not None and (array > high).any()):
                    return None
                if whole:
                    if (array != np.floor(array)).any():
                        return None
                    if not set(map(type, values)) <= {int}:
                        values = array.astype(np.int64).tolist()
                echo_columns[name] = values
            model_columns: dict[str, list[Any]] = {}
            for feature in self.inputs:
                values, key = column(feature.name), feature.name
                if values is None and feature.alias is not None:
                    values, key = column(feature.alias), feature.alias
                if values is None:
                    return None  # required and missing: `clean` names it
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

    # --- model ------------------------------------------------------------------------------
    def encode_columns(self, columns: Mapping[str, Sequence[Any]], *, n: int) -> np.ndarray:
        """The engine's transform (scale numerics, one-hot categoricals, PCA) of rows given by
        column (categorical values already category strings; an unknown one encodes as zeros)."""
        x = np.zeros((n, self.n_encoded), dtype=np.float64)
        n_num = len(self.numeric_columns)
        if n_num:
            num = np.array(
                [columns[column] for column in self.numeric_columns], dtype=np.float64
            ).reshape(n_num, n)
            x[:, :n_num] = (num.T - self.means) / self.scales
        rows = np.arange(n)
        for column, index in zip(self.categorical_columns, self.category_index, strict=True):
            positions = np.fromiter(
                map(index.get, columns[column], repeat(-1)), dtype=np.int64, count=n
            )
            known = positions >= 0  # an unknown category encodes as all zeros
            x[rows[known], positions[known]] = 1.0
        if self.components_t is not None:
            x = x @ self.components_t - self.pca_offset
        return x

    def predict_batch(self, batch: CleanBatch) -> tuple[list[int], list[str], list[float]]:
        """(labels, names, confidences 0-100 rounded to 2 places) of a checked batch, in order."""
        n = len(batch.echoes)
        labels, confidences = self.predict_encoded(self.encode_columns(batch.columns, n=n))
        labels = labels.tolist()
        names = list(map(self.names_by_label.__getitem__, labels))
        # Python's round, as one prediction is rounded (np.round scales and may differ by an ulp).
        return labels, names, [round(value, 2) for value in confidences.tolist()]

    def predict_encoded(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(labels, confidences 0-100) for rows already in model space."""
        if self.gmm is not None:
            return self._predict_gmm(x)
        # Squared distances by expansion: one matrix product for any batch size.
        sq = (
            np.einsum("ij,ij->i", x, x)[:, None]
            - 2.0 * (x @ self.centroids.T)
            + self.centroid_sq_norms[None, :]
        )
        distances = np.sqrt(np.maximum(sq, 0.0))
        own = np.argmin(distances, axis=1)
        return self.labels[own], _confidence(distances, own)

    def _predict_gmm(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gmm = self.gmm
        n_features = x.shape[1]
        log_prob = np.empty((x.shape[0], len(gmm["weights"])))
        for k, (mean, chol) in enumerate(
            zip(gmm["means"], gmm["precisions_cholesky"], strict=True)
        ):
            y = x @ chol - mean @ chol
            log_det = np.sum(np.log(np.diag(chol)))
            log_prob[:, k] = (
                -0.5 * (n_features * np.log(2 * np.pi) + np.sum(y * y, axis=1)) + log_det
            )
        weighted = log_prob + np.log(gmm["weights"])
        own = np.argmax(weighted, axis=1)
        # Confidence: distance-based as for every algorithm, in model space to the means.
        diff = x[:, None, :] - self.centroids[None, :, :]
        distances = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        return self.labels[own], _confidence(distances, own)


def _confidence(distances: np.ndarray, own: np.ndarray) -> np.ndarray:
    """(1 - d_own / d_nearest_other) * 100, clipped to 0-100 (document 004 section 7)."""
    rows = np.arange(distances.shape[0])
    d_own = distances[rows, own]
    if distances.shape[1] < 2:  # one cluster: no other centre to be confident against
        return np.zeros(distances.shape[0])
    others = distances.copy()
    others[rows, own] = np.inf
    d_other = others.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(d_other > 0, d_own / d_other, 1.0)
    return np.clip((1.0 - ratio) * 100.0, 0.0, 100.0)


class ArtifactError(ValueError):
    """The run has no usable model artifact (not finished, or an unsupported format)."""


def compile_artifact(
    artifact: Mapping[str, Any], *, roles: Mapping[str, str | None], run_id: int | None = None
) -> CompiledModel:
    """Precompute every array prediction needs; `roles` maps dataset columns to semantic roles."""
    if not artifact or artifact.get("version") != 1 or not artifact.get("centroids"):
        raise ArtifactError("This segmentation has no model to predict with; publish another run.")
    numeric = artifact.get("numeric") or {"columns": [], "means": [], "scales": [], "medians": []}
    categorical = artifact.get("categorical") or {"columns": [], "categories": []}
    numeric_columns = tuple(numeric["columns"])
    categorical_columns = tuple(categorical["columns"])
    category_index = []
    position = len(numeric_columns)
    for values in categorical["categories"]:
        index = {}
        for value in values:
            index[str(value)] = position
            position += 1
        category_index.append(index)
    inputs = []
    for column in artifact.get("features") or [*numeric_columns, *categorical_columns]:
        is_numeric = column in numeric_columns
        categories = ()
        if not is_numeric:
            categories = tuple(category_index[categorical_columns.index(column)])
        inputs.append(
            FeatureInput(
                name=column,
                kind="numeric" if is_numeric else "categorical",
                alias=ROLE_ALIASES.get(roles.get(column) or ""),
                categories=categories,
            )
        )
    pca = artifact.get("pca")
    components_t = pca_offset = None
    if pca:
        components = np.asarray(pca["components"], dtype=np.float64)
        components_t = components.T.copy()
        pca_offset = np.asarray(pca["mean"], dtype=np.float64) @ components.T
    centroids = np.asarray(artifact["centroids"], dtype=np.float64)
    gmm = None
    if artifact.get("gmm"):
        raw = artifact["gmm"]
        gmm = {
            "weights": np.asarray(raw["weights"], dtype=np.float64),
            "means": np.asarray(raw["means"], dtype=np.float64),
            "precisions_cholesky": np.asarray(raw["precisions_cholesky"], dtype=np.float64),
        }
    labels = np.asarray(artifact.get("labels") or list(range(len(centroids))), dtype=np.int64)
    names = tuple(artifact.get("names") or artifact_names(artifact))
    return CompiledModel(
        run_id=run_id,
        inputs=tuple(inputs),
        numeric_columns=numeric_columns,
        categorical_columns=categorical_columns,
        means=np.asarray(numeric.get("means") or [0.0] * len(numeric_columns), dtype=np.float64),
        scales=np.asarray(numeric.get("scales") or [1.0] * len(numeric_columns), dtype=np.float64),
        category_index=tuple(category_index),
        n_encoded=position,
        components_t=components_t,
        pca_offset=pca_offset,
        centroids=centroids,
        centroid_sq_norms=np.einsum("ij,ij->i", centroids, centroids),
        labels=labels,
        names=names,
        gmm=gmm,
    )


# --- per-process cache ---------------------------------------------------------------------------
class _ProcessCache:
    """Compiled models and published-run look-ups of one process, valid for one version."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: Any = _UNSEEN
        self.models: dict[int, CompiledModel] = {}
        self.published: dict[Any, int | None] = {}

    def sync(self) -> None:
        """Drop everything when a run was published (in any process) since the last look."""
        version = cache.get(PUBLISHED_VERSION_KEY)
        if version != self.version:
            with self.lock:
                self.models = {}
                self.published = {}
                self.version = version

    def clear(self) -> None:
        with self.lock:
            self.models = {}
            self.published = {}
            self.version = _UNSEEN


_UNSEEN = object()
_cache = _ProcessCache()


def process_cache_clear(**_: Any) -> None:
    """Forget every compiled model of this process (also the `run_published` receiver)."""
    _cache.clear()


def run_model_get(*, run: ClusteringRun) -> CompiledModel:
    """The compiled model of a run: compiled at most once per process and published version."""
    _cache.sync()
    model = _cache.models.get(run.pk)
    if model is None:
        roles = {column["name"]: column.get("role") for column in run.dataset.schema or []}
        model = compile_artifact(run.model_artifact, roles=roles, run_id=run.pk)
        _cache.models[run.pk] = model
    return model


def published_model_get(*, user: Any) -> CompiledModel | None:
    """The compiled model of the run published for this user, or None when none is published.
    Costs one shared-cache read when warm; the database only after a publish."""
    _cache.sync()
    run_id = _cache.published.get(user.pk, _UNSEEN)
    if run_id is None:
        return None
    if run_id is not _UNSEEN and run_id in _cache.models:
        return _cache.models[run_id]
    run = published_run_get(user=user)
    _cache.published[user.pk] = run.pk if run is not None else None
    return run_model_get(run=run) if run is not None else None
