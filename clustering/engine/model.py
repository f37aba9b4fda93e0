"""The model artifact (JSON only) and the model rebuilt from it.

In: an artifact dict as written by ``build_artifact`` (format in docs/architecture.md). Out: a
FittedModel whose ``predict`` is numpy only and fast on one row, and ``to_sklearn()``, a
scikit-learn Pipeline rebuilt from the same arrays: the reference the fast path is tested against.
Loading never executes code from the artifact. Imports numpy, pandas, scikit-learn only.
"""

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from clustering.engine.algorithms import AlgorithmFit, confidence_from_distances
from clustering.engine.errors import EngineInputError
from clustering.engine.preprocess import (
    category_string,
    numeric_values,
    to_float,
    transform_columns,
)
from common.jsonsafe import json_safe

ARTIFACT_VERSION = 1
PREDICT_CHUNK_ROWS = 20_000  # (rows, clusters, features) blocks stay under ~50 MB
ARTIFACT_KEYS = ("version", "algorithm", "features", "numeric", "categorical", "centroids")


def build_artifact(
    *, transform: Mapping, features: Sequence[str], fit: AlgorithmFit, names: Mapping[int, str]
) -> dict:
    """The JSON-safe artifact: lists and finite floats only, never pickle."""
    artifact = {
        "version": ARTIFACT_VERSION,
        "algorithm": fit.algorithm,
        "features": list(features),
        "numeric": dict(transform["numeric"]),
        "categorical": dict(transform["categorical"]),
        "encoded_feature_names": list(transform["encoded_feature_names"]),
        "pca": transform["pca"],
        "centroids": fit.centroids.tolist(),
        "labels": list(fit.centroid_labels),
        "names": [names[label] for label in fit.centroid_labels],
        "gmm": fit.gmm,
        "dendrogram": fit.dendrogram,
        "eps": fit.eps,
    }
    return json_safe(artifact)


@dataclass(frozen=True)
class FittedModel:
    """A run's model, ready to place new customers into its clusters."""

    artifact: dict
    centroids: np.ndarray  # float64 (k, m), model space
    labels: np.ndarray  # cluster label of each centroid row
    names: tuple[str, ...]
    compiled: "_Compiled"  # the artifact's arrays, parsed once at load

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.artifact["features"])

    def transform(self, data: Any) -> np.ndarray:
        """Model-space rows for a DataFrame, a list of dicts or one dict (missing keys -> NaN)."""
        if isinstance(data, pd.DataFrame):
            columns, n_rows = _columns(data)
            return transform_columns(columns, self.artifact, n_rows=n_rows)
        return self.compiled.transform_records(_records(data))

    def predict(self, data: Any) -> tuple[np.ndarray, np.ndarray]:
        """(cluster labels, confidences 0-100) for every input row, in input order."""
        x = self.transform(data)
        distances = np.empty((len(x), len(self.centroids)))
        for start in range(0, len(x), PREDICT_CHUNK_ROWS):  # exact differences, bounded memory
            block = x[start : start + PREDICT_CHUNK_ROWS, None, :] - self.centroids[None, :, :]
            distances[start : start + len(block)] = np.sqrt((block**2).sum(axis=2))
        gmm = self.compiled.gmm
        rows = _gmm_log_prob(x, *gmm).argmax(axis=1) if gmm else distances.argmin(axis=1)
        return self.labels[rows], confidence_from_distances(distances, rows).astype(np.float64)

    def name_of(self, label: int) -> str:
        """The cluster's name as recorded at training time."""
        return dict(zip(self.labels.tolist(), self.names, strict=True)).get(
            int(label), f"Segment {label}"
        )

    def to_sklearn(self) -> Pipeline:
        """The same model as scikit-learn objects: ColumnTransformer (+ PCA) + estimator.

        Each step is fitted on synthetic rows that reproduce the artifact's statistics exactly
        (the median of one row is that row; two rows mean -/+ scale have that mean and scale).
        """
        numeric = self.artifact["numeric"]
        categorical = self.artifact["categorical"]
        parts = []
        if numeric["columns"]:
            as_float = FunctionTransformer(_float_frame, validate=False)
            numeric_steps = [("float", as_float), ("impute", SimpleImputer(strategy="median"))]
            numeric_steps.append(("scale", StandardScaler()))
            parts.append(("numeric", Pipeline(numeric_steps), list(numeric["columns"])))
        if categorical["columns"]:
            encoder = OneHotEncoder(
                categories=[list(c) for c in categorical["categories"]],
                handle_unknown="ignore",
                sparse_output=False,
            )
            as_text = FunctionTransformer(_category_frame, validate=False)
            parts.append(
                (
                    "categorical",
                    Pipeline([("text", as_text), ("onehot", encoder)]),
                    list(categorical["columns"]),
                )
            )
        columns = ColumnTransformer(parts, remainder="drop").fit(_reference_frame(self.artifact))
        if numeric["columns"]:  # the fitted statistics are the artifact's, not the reference's
            fitted = columns.named_transformers_["numeric"]
            fitted.named_steps["impute"].statistics_ = np.asarray(numeric["medians"], dtype=float)
            scales = np.asarray(numeric["scales"], dtype=np.float64)
            fitted.named_steps["scale"].mean_ = np.asarray(numeric["means"], dtype=np.float64)
            fitted.named_steps["scale"].scale_ = scales
            fitted.named_steps["scale"].var_ = scales**2
        steps = [("columns", columns)]
        pca = self.artifact.get("pca")
        if pca:
            components = np.asarray(pca["components"], dtype=np.float64)
            width = components.shape[1]
            reference_pca = PCA(n_components=len(components))
            reference_pca.fit(np.random.default_rng(0).normal(size=(width + 2, width)))
            reference_pca.components_ = components
            reference_pca.mean_ = np.asarray(pca["mean"], dtype=np.float64)
            steps.append(("pca", reference_pca))
        gmm = self.artifact.get("gmm")
        if gmm:
            steps.append(("model", _gmm_reference(gmm, self.centroids.shape[1])))
        else:
            with warnings.catch_warnings():  # one row per class: its spread is undefined, unused
                warnings.simplefilter("ignore", RuntimeWarning)
                steps.append(("model", NearestCentroid().fit(self.centroids, self.labels)))
        return Pipeline(steps)


def load_model(artifact: Mapping) -> FittedModel:
    """Check the artifact's shape and build the model; EngineInputError when it is unusable."""
    if not isinstance(artifact, Mapping) or any(key not in artifact for key in ARTIFACT_KEYS):
        raise EngineInputError("This run has no usable model; train it again.")
    if artifact["version"] != ARTIFACT_VERSION:
        raise EngineInputError(
            f"This model was saved in format {artifact['version']}, which this version cannot "
            "read; train the run again."
        )
    centroids = np.asarray(artifact["centroids"], dtype=np.float64)
    labels = np.asarray(artifact.get("labels") or range(len(centroids)), dtype=np.int64)
    names = tuple(artifact.get("names") or (f"Segment {label}" for label in labels))
    if centroids.ndim != 2 or len(centroids) != len(labels) or len(names) != len(labels):
        raise EngineInputError("This run's model is damaged; train it again.")
    return FittedModel(
        artifact=dict(artifact),
        centroids=centroids,
        labels=labels,
        names=names,
        compiled=_Compiled.of(artifact),
    )


@dataclass(frozen=True)
class _Compiled:
    """The artifact's transform as arrays, for many small predictions (one record: ~0.1 ms)."""

    numeric_columns: tuple[str, ...]
    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    categorical: tuple[tuple[str, dict[str, int], int], ...]  # column, value -> index, offset
    width: int
    pca: tuple[np.ndarray, np.ndarray] | None  # components transposed, mean @ components.T
    gmm: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # means, precisions_cholesky, weights

    @classmethod
    def of(cls, artifact: Mapping) -> "_Compiled":
        numeric, categorical = artifact["numeric"], artifact["categorical"]
        offset = len(numeric["columns"])
        specs = []
        for name, cats in zip(categorical["columns"], categorical["categories"], strict=True):
            specs.append((name, {category: i for i, category in enumerate(cats)}, offset))
            offset += len(cats)
        pca, gmm = artifact.get("pca"), artifact.get("gmm")
        components = np.asarray(pca["components"], dtype=np.float64) if pca else None
        return cls(
            numeric_columns=tuple(numeric["columns"]),
            medians=np.asarray(numeric["medians"], dtype=np.float64),
            means=np.asarray(numeric["means"], dtype=np.float64),
            scales=np.asarray(numeric["scales"], dtype=np.float64),
            categorical=tuple(specs),
            width=offset,
            pca=(components.T, np.asarray(pca["mean"]) @ components.T) if pca else None,
            gmm=(
                np.asarray(gmm["means"], dtype=np.float64),
                np.asarray(gmm["precisions_cholesky"], dtype=np.float64),
                np.asarray(gmm["weights"], dtype=np.float64),
            )
            if gmm
            else None,
        )

    def transform_records(self, records: list[Mapping]) -> np.ndarray:
        """The documented transform, row-wise; equal to ``transform_columns`` on a frame."""
        n_rows, n_numeric = len(records), len(self.numeric_columns)
        values = np.array(
            [[to_float(record.get(name)) for name in self.numeric_columns] for record in records],
            dtype=np.float64,
        ).reshape(n_rows, n_numeric)
        encoded = np.zeros((n_rows, self.width), dtype=np.float64)
        filled = np.where(np.isnan(values), self.medians, values)
        encoded[:, :n_numeric] = (filled - self.means) / self.scales
        for name, index, offset in self.categorical:
            for row, record in enumerate(records):
                position = index.get(category_string(record.get(name)))
                if position is not None:
                    encoded[row, offset + position] = 1.0
        if self.pca is None:
            return encoded
        components_t, shift = self.pca
        return encoded @ components_t - shift


def _columns(frame: pd.DataFrame) -> tuple[Any, int]:
    return (lambda name: frame[name] if name in frame else [None] * len(frame)), len(frame)


def _records(data: Any) -> list[Mapping]:
    records = [data] if isinstance(data, Mapping) else list(data)
    if not all(isinstance(record, Mapping) for record in records):
        raise EngineInputError("Each customer must be an object of feature names and values.")
    return records


def _gmm_log_prob(
    x: np.ndarray, means: np.ndarray, chol: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    log_prob = np.empty((len(x), len(means)))
    for k in range(len(means)):
        y = x @ chol[k] - means[k] @ chol[k]
        log_det = np.log(np.diag(chol[k])).sum()
        log_prob[:, k] = -0.5 * (x.shape[1] * np.log(2 * np.pi) + (y**2).sum(axis=1)) + log_det
    return log_prob + np.log(weights)


def _gmm_reference(gmm: Mapping, width: int) -> GaussianMixture:
    means = np.asarray(gmm["means"], dtype=np.float64)
    reference = GaussianMixture(n_components=len(means), covariance_type="full")
    reference.fit(np.random.default_rng(0).normal(size=(len(means) * 3 + width, width)))
    reference.weights_ = np.asarray(gmm["weights"], dtype=np.float64)
    reference.means_ = means
    reference.precisions_cholesky_ = np.asarray(gmm["precisions_cholesky"], dtype=np.float64)
    return reference


def _reference_frame(artifact: Mapping) -> pd.DataFrame:
    data: dict[str, list] = {}
    for name, median in zip(
        artifact["numeric"]["columns"], artifact["numeric"]["medians"], strict=True
    ):
        data[name] = [median]
    for name, cats in zip(
        artifact["categorical"]["columns"], artifact["categorical"]["categories"], strict=True
    ):
        data[name] = [cats[0]]
    return pd.DataFrame(data)


def _float_frame(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([numeric_values(pd.Series(frame[c])) for c in frame.columns])


def _category_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {c: [category_string(v) for v in frame[c]] for c in frame.columns}, dtype=object
    )
