"""The compiled model: a run's JSON artifact as arrays, and the one place that applies it.

In: the artifact (docs/architecture.md, "The model artifact"). Out: model-space rows for a
DataFrame, a list of records, one record or already checked columns; per row the cluster label,
a confidence 0-100 and the distances to every centroid. Training encodes its rows with the same
``FeatureTransform``, the run's confidences come from the same distance and confidence rules,
and the prediction fast path (``profiles.predictor``) and the tests use this model: one
transform, one prediction rule. Loading never executes code from the artifact. Imports numpy and
pandas only (scikit-learn only for ``to_sklearn``, the reference it is tested against).

A per-feature numeric transform (log1p, Yeo-Johnson, ... chosen at fit time) belongs in exactly
two places: its choice and parameters are fitted in ``preprocess._fit_numeric`` and stored in the
artifact's ``numeric`` part, and it is applied in ``FeatureTransform.numeric`` between imputation
and scaling (the comment there marks the spot; ``numeric_original``, beside it, undoes it for
centroids in original units). Training and prediction both pass through it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from clustering.engine.artifact import check_artifact
from clustering.engine.errors import EngineInputError
from clustering.engine.labels import NOISE_LABEL
from clustering.engine.ranges import TrainingRanges, typical_confidence_of
from clustering.engine.values import category_codes, category_string, numeric_values, to_float
from clustering.engine.words import artifact_names, name_segments

NUMERIC_TRANSFORMS = ("none", "log1p", "yeo_johnson")  # per numeric feature, in the artifact
PREDICT_CHUNK_ROWS = 200_000  # distance blocks stay at a few tens of MB
COPY_MAX_VALUES = 1_000_000  # up to this many distances, one (rows, k) copy finds the runner-up


@dataclass(frozen=True)
class FeatureTransform:
    """The fitted preprocessing of the artifact: impute and scale numerics, one-hot categories
    (unknown -> all zeros), then the optional PCA."""

    numeric_columns: tuple[str, ...]
    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    transforms: tuple[str, ...]  # per numeric column, one of NUMERIC_TRANSFORMS
    lambdas: np.ndarray  # per numeric column, the Yeo-Johnson lambda (unused otherwise)
    categorical_columns: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    category_index: tuple[dict[str, int], ...]  # per categorical column: value -> position
    offsets: tuple[int, ...]  # encoded column of each categorical column's first category
    width: int  # encoded columns (before PCA)
    components_t: np.ndarray | None  # PCA components transposed (width, n_components)
    pca_shift: np.ndarray | None  # pca.mean @ components.T

    @classmethod
    def of(cls, transform: Mapping) -> "FeatureTransform":
        """From the artifact's (or ``Prepared.transform``'s) numeric, categorical and pca parts."""
        numeric, categorical = transform["numeric"], transform["categorical"]
        offset = len(numeric["columns"])
        offsets, indexes = [], []
        for values in categorical["categories"]:
            offsets.append(offset)
            indexes.append({str(value): position for position, value in enumerate(values)})
            offset += len(values)
        pca = transform.get("pca")
        components = np.asarray(pca["components"], dtype=np.float64) if pca else None
        n_numeric = len(numeric["columns"])
        transforms = tuple(numeric.get("transforms") or ("none",) * n_numeric)  # old: none
        lambdas = numeric.get("lambdas") or [0.0] * n_numeric
        if len(transforms) != n_numeric or any(t not in NUMERIC_TRANSFORMS for t in transforms):
            raise EngineInputError("This run's model is damaged; train it again.")
        return cls(
            numeric_columns=tuple(numeric["columns"]),
            medians=np.asarray(numeric["medians"], dtype=np.float64),
            means=np.asarray(numeric["means"], dtype=np.float64),
            scales=np.asarray(numeric["scales"], dtype=np.float64),
            transforms=transforms,
            lambdas=np.asarray(lambdas, dtype=np.float64),
            categorical_columns=tuple(categorical["columns"]),
            categories=tuple(tuple(values) for values in categorical["categories"]),
            category_index=tuple(indexes),
            offsets=tuple(offsets),
            width=offset,
            components_t=components.T.copy() if pca else None,
            pca_shift=np.asarray(pca["mean"], dtype=np.float64) @ components.T if pca else None,
        )

    def numeric(self, values: np.ndarray, columns: slice = slice(None)) -> np.ndarray:
        """Raw numbers (rows x numeric ``columns``; NaN or +-inf = missing) imputed with the
        medians and scaled, as a new float64 array."""
        filled = np.where(np.isfinite(values), values, self.medians[columns])
        # The per-feature transform (log1p, Yeo-Johnson), between imputation and scaling.
        for position, j in enumerate(np.arange(len(self.transforms))[columns]):
            if self.transforms[j] != "none":
                filled[:, position] = apply_numeric_transform(
                    filled[:, position], self.transforms[j], self.lambdas[j]
                )
        filled -= self.means[columns]
        filled /= self.scales[columns]
        return filled

    def numeric_original(self, scaled: np.ndarray) -> np.ndarray:
        """Scaled numeric values back in original units (centroids are reported so): the
        inverse of ``numeric`` after imputation, where a per-feature transform is undone too."""
        values = np.asarray(scaled * self.scales + self.means, dtype=np.float64)
        for j, kind in enumerate(self.transforms):
            if kind != "none":
                values[..., j] = invert_numeric_transform(values[..., j], kind, self.lambdas[j])
        return values

    def encode(
        self,
        values: np.ndarray,
        codes: Sequence[np.ndarray],
        *,
        n_rows: int,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Encoded rows (before PCA) from raw numbers (rows x numeric columns) and category
        codes (per categorical column: position in its categories, -1 unknown or missing);
        written into ``out`` (zeros, any float dtype) when given."""
        encoded = np.zeros((n_rows, self.width)) if out is None else out
        if self.numeric_columns:
            encoded[:, : len(self.numeric_columns)] = self.numeric(values)
        rows = np.arange(n_rows)
        for offset, column_codes in zip(self.offsets, codes, strict=True):
            known = column_codes >= 0  # an unknown or missing category encodes as all zeros
            encoded[rows[known], offset + column_codes[known]] = 1.0
        return encoded

    def project(self, encoded: np.ndarray) -> np.ndarray:
        """Encoded rows into model space (the PCA, when used), in the rows' float dtype."""
        if self.components_t is None:
            return encoded
        dtype = encoded.dtype
        return encoded @ self.components_t.astype(dtype) - self.pca_shift.astype(dtype)

    # --- readers: raw values -> (numbers, category codes) --------------------------------------
    def read_frame(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[np.ndarray]]:
        """A DataFrame's features (a missing column counts as all missing)."""
        n_rows = len(frame)
        values = np.full((n_rows, len(self.numeric_columns)), np.nan)
        for j, name in enumerate(self.numeric_columns):
            if name in frame:
                values[:, j] = numeric_values(frame[name])
        codes = [
            category_codes(frame[name], categories)
            if name in frame
            else np.full(n_rows, -1, dtype=np.int32)
            for name, categories in zip(self.categorical_columns, self.categories, strict=True)
        ]
        return values, codes

    def read_records(self, records: Sequence[Mapping]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Records of raw values (missing keys, None and text that is not a number: missing)."""
        values = np.array(
            [[to_float(record.get(name)) for name in self.numeric_columns] for record in records],
            dtype=np.float64,
        ).reshape(len(records), len(self.numeric_columns))
        codes = [
            np.array([index.get(category_string(r.get(name)), -1) for r in records], dtype=np.int64)
            for name, index in zip(self.categorical_columns, self.category_index, strict=True)
        ]
        return values, codes

    def read_columns(
        self, columns: Mapping[str, Sequence[Any]], *, n_rows: int
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Checked columns: numbers (None = missing) and category text as ``category_string``
        gives it; the fast path, with no per-value parsing."""
        n_numeric = len(self.numeric_columns)
        values = np.array(
            [columns[name] for name in self.numeric_columns], dtype=np.float64
        ).reshape(n_numeric, n_rows)
        codes = [
            np.fromiter(map(index.get, columns[name], repeat(-1)), dtype=np.int64, count=n_rows)
            for name, index in zip(self.categorical_columns, self.category_index, strict=True)
        ]
        return values.T, codes


@dataclass(frozen=True)
class Prediction:
    """One customer's answer."""

    label: int
    confidence: float  # 0-100
    distances: tuple[float, ...]  # in model space, to each centroid in ``CompiledModel.labels``


@dataclass(frozen=True)
class _Mixture:
    """A full-covariance Gaussian mixture's arrays, with the per-component constants folded."""

    precisions_cholesky: np.ndarray  # (k, m, m)
    shifts: np.ndarray  # (k, m): mean @ precisions_cholesky
    constants: np.ndarray  # (k,): log det + log weight - m/2 log(2 pi)

    @classmethod
    def of(cls, gmm: Mapping) -> "_Mixture":
        means = np.asarray(gmm["means"], dtype=np.float64)
        chol = np.asarray(gmm["precisions_cholesky"], dtype=np.float64)
        log_det = np.array([np.log(np.diag(c)).sum() for c in chol])
        constant = 0.5 * means.shape[1] * np.log(2 * np.pi)
        weights = np.log(np.asarray(gmm["weights"], dtype=np.float64))
        return cls(
            precisions_cholesky=chol,
            shifts=np.einsum("km,kmn->kn", means, chol),
            constants=log_det + weights - constant,
        )

    def log_probabilities(self, x: np.ndarray) -> np.ndarray:
        """Weighted log density of each row under each component, (rows, k)."""
        log_prob = np.empty((len(x), len(self.constants)))
        for k, chol in enumerate(self.precisions_cholesky):
            y = x @ chol - self.shifts[k]
            log_prob[:, k] = self.constants[k] - 0.5 * np.einsum("ij,ij->i", y, y)
        return log_prob

    def most_probable(self, x: np.ndarray) -> np.ndarray:
        """Index of the most probable component of each row (weighted log density)."""
        return self.log_probabilities(x).argmax(axis=1)


@dataclass(frozen=True)
class CompiledModel:
    """A run's model, ready to place new customers into its clusters (built by ``load_model``)."""

    artifact: dict
    encoder: FeatureTransform
    centroids: np.ndarray  # float64 (k, m), model space
    labels: np.ndarray  # cluster label of each centroid row
    names: tuple[str, ...]
    mixture: _Mixture | None
    centroid_sq_norms: np.ndarray = field(repr=False)
    names_by_label: dict[int, str] = field(repr=False)
    # What the training rows looked like (``clustering.engine.ranges``); None / empty for an
    # artifact saved before the artifact kept them.
    ranges: TrainingRanges | None = field(default=None, repr=False)
    typical_confidence: dict[int, float] = field(default_factory=dict, repr=False)

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.artifact["features"])

    def transform(self, data: Any) -> np.ndarray:
        """Model-space rows (float64) for a DataFrame, a list of records or one record."""
        if isinstance(data, pd.DataFrame):
            values, codes = self.encoder.read_frame(data)
            n_rows = len(data)
        else:
            records = _records(data)
            values, codes = self.encoder.read_records(records)
            n_rows = len(records)
        return self.encoder.project(self.encoder.encode(values, codes, n_rows=n_rows))

    def transform_columns(self, columns: Mapping[str, Sequence[Any]], *, n_rows: int) -> np.ndarray:
        """Model-space rows for checked columns (see ``FeatureTransform.read_columns``)."""
        values, codes = self.encoder.read_columns(columns, n_rows=n_rows)
        return self.encoder.project(self.encoder.encode(values, codes, n_rows=n_rows))

    def distances(self, x: np.ndarray) -> np.ndarray:
        """Euclidean distances of model-space rows to every centroid, (rows, k)."""
        return centroid_distances(x, self.centroids, self.centroid_sq_norms)

    def predict_matrix(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(labels, confidences 0-100, distances) of model-space rows: the nearest centroid, or
        the most probable component of a mixture; the confidence from the distances always."""
        distances = self.distances(x)
        own = self.mixture.most_probable(x) if self.mixture else distances.argmin(axis=1)
        return self.labels[own], confidence_from_distances(distances, own), distances

    def own_and_runner_up(
        self, x: np.ndarray, distances: np.ndarray, *, own: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Centroid rows of each model-space row's own cluster (as ``predict_matrix`` chooses
        it, or ``own`` centroid rows when given, e.g. a stored assignment) and of its
        runner-up: the second-nearest centroid, or for a mixture the second most probable
        component (with ``own`` given: the best other). The runner-up is -1 when the model has
        one cluster."""
        if len(self.centroids) < 2:
            own = np.zeros(len(x), dtype=np.int64) if own is None else own
            return own, np.full(len(x), -1, dtype=np.int64)
        scores = -self.mixture.log_probabilities(x) if self.mixture else distances
        if own is not None:
            others = np.array(scores, dtype=np.float64)
            others[np.arange(len(x)), own] = np.inf
            return own, others.argmin(axis=1)
        ranked = np.argpartition(scores, 1, axis=1)[:, :2]
        rows = np.arange(len(x))
        first_is_own = scores[rows, ranked[:, 0]] <= scores[rows, ranked[:, 1]]
        own = np.where(first_is_own, ranked[:, 0], ranked[:, 1])
        runner_up = np.where(first_is_own, ranked[:, 1], ranked[:, 0])
        # Ties: argmin's choice (the first index) is the own cluster, as in predict_matrix.
        argmin = scores.argmin(axis=1)
        swap = argmin != own
        own, runner_up = np.where(swap, argmin, own), np.where(swap, own, runner_up)
        return own, runner_up

    def predict(self, data: Any) -> tuple[np.ndarray, np.ndarray]:
        """(labels, confidences 0-100) for a DataFrame, a list of records or one record."""
        labels, confidences, _ = self.predict_matrix(self.transform(data))
        return labels, confidences

    def predict_frame(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(labels, confidences 0-100) of every row of a DataFrame, in order."""
        return self.predict(frame)

    def predict_columns(
        self, columns: Mapping[str, Sequence[Any]], *, n_rows: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(labels, confidences 0-100) of checked columns (the prediction fast path)."""
        labels, confidences, _ = self.predict_matrix(self.transform_columns(columns, n_rows=n_rows))
        return labels, confidences

    def predict_columns_runner_up(
        self, columns: Mapping[str, Sequence[Any]], *, n_rows: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``predict_columns`` plus, per row, the label of the nearest other centre: the one
        the confidence is measured against (its own label when there is no other)."""
        x = self.transform_columns(columns, n_rows=n_rows)
        distances = self.distances(x)
        own = self.mixture.most_probable(x) if self.mixture else distances.argmin(axis=1)
        confidences = confidence_from_distances(distances, own)
        return self.labels[own], confidences, self.labels[nearest_other(distances, own)]

    def predict_record(self, record: Mapping) -> Prediction:
        """One record's label, confidence and distances (missing keys are imputed)."""
        labels, confidences, distances = self.predict_matrix(self.transform(record))
        return Prediction(
            label=int(labels[0]),
            confidence=float(confidences[0]),
            distances=tuple(distances[0].tolist()),
        )

    def name_of(self, label: int) -> str:
        """The cluster's name as recorded at training time."""
        return self.names_by_label.get(int(label)) or name_segments([int(label)])[int(label)]

    def to_sklearn(self) -> Any:
        """The same model as scikit-learn objects (ColumnTransformer, PCA, estimator)."""
        from clustering.engine.reference import sklearn_pipeline  # scikit-learn: only when asked

        return sklearn_pipeline(self.artifact)


def load_model(artifact: Mapping) -> CompiledModel:
    """Check the artifact and compile it; EngineInputError when it is unusable."""
    check_artifact(artifact)
    centroids = np.asarray(artifact["centroids"], dtype=np.float64)
    labels = np.asarray(artifact.get("labels") or range(len(centroids)), dtype=np.int64)
    names = tuple(artifact.get("names") or artifact_names(artifact))
    if centroids.ndim != 2 or len(centroids) != len(labels) or len(names) != len(labels):
        raise EngineInputError("This run's model is damaged; train it again.")
    return CompiledModel(
        artifact=dict(artifact),
        encoder=FeatureTransform.of(artifact),
        centroids=centroids,
        labels=labels,
        names=names,
        mixture=_Mixture.of(artifact["gmm"]) if artifact.get("gmm") else None,
        centroid_sq_norms=np.einsum("ij,ij->i", centroids, centroids),
        names_by_label=dict(zip(labels.tolist(), names, strict=True)),
        ranges=TrainingRanges.of(artifact),
        typical_confidence=typical_confidence_of(artifact),
    )


def centroid_distances(
    x: np.ndarray, centroids: np.ndarray, sq_norms: np.ndarray | None = None
) -> np.ndarray:
    """Euclidean distances of rows to centroids, (rows, k) in the rows' float dtype, by
    expansion (|x|^2 - 2 x.c + |c|^2: one matrix product per block of PREDICT_CHUNK_ROWS)."""
    centres = centroids.astype(x.dtype, copy=False)
    if sq_norms is None or sq_norms.dtype != x.dtype:
        sq_norms = np.einsum("ij,ij->i", centres, centres)
    if len(x) <= PREDICT_CHUNK_ROWS:
        return _distances_block(x, centres, sq_norms)
    distances = np.empty((len(x), len(centres)), dtype=x.dtype)
    for start in range(0, len(x), PREDICT_CHUNK_ROWS):
        block = x[start : start + PREDICT_CHUNK_ROWS]
        distances[start : start + len(block)] = _distances_block(block, centres, sq_norms)
    return distances


def _distances_block(x: np.ndarray, centres: np.ndarray, sq_norms: np.ndarray) -> np.ndarray:
    squared = x @ centres.T
    squared *= -2
    squared += np.einsum("ij,ij->i", x, x)[:, None]
    squared += sq_norms[None, :]
    np.maximum(squared, 0, out=squared)
    return np.sqrt(squared, out=squared)


def confidence_from_distances(distances: np.ndarray, own: np.ndarray) -> np.ndarray:
    """(1 - d_own / d_nearest_other) * 100, clipped to 0..100, in the distances' float dtype;
    ``own`` NOISE_LABEL gives 0, and so does a nearest other centre at distance 0. The rule of
    training and prediction alike (document 004 section 7)."""
    n_rows, k = distances.shape
    if k < 2:  # one cluster: no other centre to be confident against
        return np.zeros(n_rows, dtype=distances.dtype)
    rows = np.arange(n_rows)
    noise = own == NOISE_LABEL
    safe_own = np.where(noise, 0, own)
    d_own = distances[rows, safe_own].astype(np.float64, copy=False)
    if n_rows * k <= COPY_MAX_VALUES:
        others = distances.copy()
        others[rows, safe_own] = np.inf
        d_other = others.min(axis=1)
    else:  # column by column: no (rows, k) copy of a large matrix
        d_other = np.full(n_rows, np.inf, dtype=distances.dtype)
        for column in range(k):
            np.minimum(d_other, np.where(safe_own == column, np.inf, distances[:, column]), d_other)
    ratio = np.ones(n_rows)  # noise, and a runner-up at distance 0: no confidence
    np.divide(d_own, d_other, out=ratio, where=(d_other > 0) & ~noise)
    value = (1.0 - ratio) * 100.0
    np.clip(value, 0.0, 100.0, out=value)
    return value.astype(distances.dtype, copy=False)


def nearest_other(distances: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Per row, the index of the nearest centre other than ``own`` (``own`` itself when there
    is only one centre): the runner-up of ``confidence_from_distances``."""
    n_rows, k = distances.shape
    if k < 2:
        return np.asarray(own).copy()
    rows = np.arange(n_rows)
    others = distances.copy()
    others[rows, own] = np.inf
    return others.argmin(axis=1)


def apply_numeric_transform(values: np.ndarray, kind: str, lam: float = 0.0) -> np.ndarray:
    """One numeric column through its fitted transform: ``log1p`` is sign(x) log(1 + |x|) (so
    a negative value met at prediction still has an answer), ``yeo_johnson`` with ``lam``."""
    x = np.asarray(values, dtype=np.float64)
    if kind == "log1p":
        return np.sign(x) * np.log1p(np.abs(x))
    if kind == "yeo_johnson":
        out = np.empty_like(x)
        positive = x >= 0
        xp, xn = x[positive], x[~positive]
        out[positive] = np.log1p(xp) if abs(lam) < 1e-12 else np.expm1(lam * np.log1p(xp)) / lam
        out[~positive] = (
            -np.log1p(-xn)
            if abs(lam - 2) < 1e-12
            else -np.expm1((2 - lam) * np.log1p(-xn)) / (2 - lam)
        )
        return out
    return x


def invert_numeric_transform(values: np.ndarray, kind: str, lam: float = 0.0) -> np.ndarray:
    """The inverse of ``apply_numeric_transform``: transformed values back in original units."""
    y = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        if kind == "log1p":
            return np.sign(y) * np.expm1(np.abs(y))
        if kind == "yeo_johnson":
            out = np.empty_like(y)
            positive = y >= 0
            yp, yn = y[positive], y[~positive]
            out[positive] = np.expm1(yp) if abs(lam) < 1e-12 else np.expm1(np.log1p(lam * yp) / lam)
            out[~positive] = (
                -np.expm1(-yn)
                if abs(lam - 2) < 1e-12
                else -np.expm1(np.log1p(-(2 - lam) * yn) / (2 - lam))
            )
            return out
    return y


def _records(data: Any) -> list[Mapping]:
    records = [data] if isinstance(data, Mapping) else list(data)
    if not all(isinstance(record, Mapping) for record in records):
        raise EngineInputError("Each customer must be an object of feature names and values.")
    return records
