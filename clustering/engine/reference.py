"""The artifact rebuilt as scikit-learn objects: the reference the compiled model is tested
against (same labels on random inputs). Never on the prediction path. Imports numpy, pandas and
scikit-learn only.
"""

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from clustering.engine.values import category_string, numeric_values


def sklearn_pipeline(artifact: Mapping) -> Pipeline:
    """The artifact's model as scikit-learn objects: ColumnTransformer (+ PCA) + estimator.

    Each step is fitted on synthetic rows that reproduce the artifact's statistics exactly
    (the median of one row is that row; two rows mean -/+ scale have that mean and scale).
    """
    numeric = artifact["numeric"]
    categorical = artifact["categorical"]
    centroids = np.asarray(artifact["centroids"], dtype=np.float64)
    labels = np.asarray(artifact.get("labels") or range(len(centroids)), dtype=np.int64)
    parts = []
    if numeric["columns"]:
        as_float = FunctionTransformer(_float_frame, validate=False)
        numeric_steps = [("float", as_float), ("impute", SimpleImputer(strategy="median"))]
        transforms = numeric.get("transforms") or ["none"] * len(numeric["columns"])
        if any(kind != "none" for kind in transforms):
            lambdas = numeric.get("lambdas") or [0.0] * len(transforms)
            reshape = FunctionTransformer(
                _reshape, kw_args={"kinds": list(transforms), "lambdas": list(lambdas)}
            )
            numeric_steps.append(("reshape", reshape))
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
    columns = ColumnTransformer(parts, remainder="drop").fit(_reference_frame(artifact))
    if numeric["columns"]:  # the fitted statistics are the artifact's, not the reference's
        fitted = columns.named_transformers_["numeric"]
        fitted.named_steps["impute"].statistics_ = np.asarray(numeric["medians"], dtype=float)
        scales = np.asarray(numeric["scales"], dtype=np.float64)
        fitted.named_steps["scale"].mean_ = np.asarray(numeric["means"], dtype=np.float64)
        fitted.named_steps["scale"].scale_ = scales
        fitted.named_steps["scale"].var_ = scales**2
    steps = [("columns", columns)]
    pca = artifact.get("pca")
    if pca:
        components = np.asarray(pca["components"], dtype=np.float64)
        width = components.shape[1]
        reference_pca = PCA(n_components=len(components))
        reference_pca.fit(np.random.default_rng(0).normal(size=(width + 2, width)))
        reference_pca.components_ = components
        reference_pca.mean_ = np.asarray(pca["mean"], dtype=np.float64)
        steps.append(("pca", reference_pca))
    gmm = artifact.get("gmm")
    if gmm:
        steps.append(("model", _gmm_reference(gmm, centroids.shape[1])))
    else:
        with warnings.catch_warnings():  # one row per class: its spread is undefined, unused
            warnings.simplefilter("ignore", RuntimeWarning)
            steps.append(("model", NearestCentroid().fit(centroids, labels)))
    return Pipeline(steps)


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


def _reshape(values: np.ndarray, *, kinds: list, lambdas: list) -> np.ndarray:
    """The per-feature transform of the artifact, written with numpy and scipy."""
    out = np.array(values, dtype=np.float64)
    for j, (kind, lam) in enumerate(zip(kinds, lambdas, strict=True)):
        if kind == "log1p":
            out[:, j] = np.sign(out[:, j]) * np.log1p(np.abs(out[:, j]))
        elif kind == "yeo_johnson":
            out[:, j] = stats.yeojohnson(out[:, j], lmbda=lam)
    return out


def _float_frame(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([numeric_values(pd.Series(frame[c])) for c in frame.columns])


def _category_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {c: [category_string(v) for v in frame[c]] for c in frame.columns}, dtype=object
    )
