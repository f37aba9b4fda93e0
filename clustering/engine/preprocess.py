"""Preprocessing: DataFrame + dataset schema in, a float32 model matrix + a JSON transform out.

Numeric columns are median-imputed and standardised (or left in their units when ``normalize`` is
false), categorical columns one-hot encoded (categories unseen at fit time encode as all zeros),
then an optional PCA. The statistics are fitted here; the rows are encoded by the compiled
model's ``FeatureTransform`` (``compiled.py``), the one that also predicts, so the fitted
preprocessing that travels in the artifact is exactly what the model was trained on.
Imports numpy, pandas and scikit-learn only.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.decomposition import PCA

from clustering.engine import degenerate
from clustering.engine.compiled import FeatureTransform, apply_numeric_transform
from clustering.engine.errors import EngineInputError
from clustering.engine.sampling import sample_rows
from clustering.engine.values import (
    category_codes,
    category_string,
    factorize,
    numeric_values,
)

MAX_CATEGORIES_PER_COLUMN = 50  # one-hot width stays bounded; rarer values encode as all zeros
ENCODE_CHUNK_ROWS = 100_000  # float64 temporaries of one block: ~11 MB at 14 numeric columns
PCA_FIT_ROWS = 100_000  # PCA components are stable on this many rows; transform covers all rows
DEFAULT_PCA_VARIANCE = 0.9  # use_pca without a size keeps components explaining 90% of variance
FEATURE_TRANSFORMS = ("auto", "none")  # auto: per numeric feature, chosen from its values
SKEWED_ABOVE = 1.0  # |skewness| above this is a heavy tail
FAR_ABOVE_P99 = 10.0  # ... and so is a maximum this many times the 99th percentile
TAIL_MIN_ROWS = 50  # below this many rows a few odd values are not told from a heavy tail
TRANSFORM_FIT_ROWS = 100_000  # the Yeo-Johnson lambda is stable on this many rows
KINDS_USED_BY_DEFAULT = ("numeric", "categorical")  # ids, text and dates only when named
ROLE_HINTS = (  # column-name words -> semantic role, used only when the schema has no role
    ("recency", "recency"),
    ("monetary", "monetary"),
    ("spending", "spending_score"),
    ("income", "income"),
    ("salary", "income"),
    ("frequency", "purchase_frequency"),
    ("purchases", "purchase_frequency"),
    ("amount", "purchase_amount"),
    ("tenure", "tenure"),
    ("age", "age"),
    ("gender", "gender"),
    ("sex", "gender"),
    ("region", "region"),
    ("city", "region"),
    ("country", "region"),
)

Columns = Callable[[str], Any]  # name -> the column's values (a Series or a list)


@dataclass(frozen=True)
class Prepared:
    """The training data in model space plus what is needed to explain and to predict."""

    matrix: np.ndarray  # float32 (n, m): the space the algorithm ran in (after PCA when used)
    encoded: np.ndarray  # float32 (n, e): scaled numeric + one-hot, before PCA
    source: "Columns"  # name -> the training column; ``raw`` reads numeric ones on demand
    category_codes: tuple[np.ndarray, ...]  # per categorical column, index into categories or -1
    numeric_columns: tuple[str, ...]
    categorical_columns: tuple[str, ...]
    encoded_names: tuple[str, ...]
    encoded_feature: tuple[str, ...]  # the original feature of each encoded column
    roles: dict[str, str | None]
    transform: dict  # the artifact's numeric/categorical/encoded_feature_names/pca parts
    notes: tuple[str, ...]

    @property
    def features(self) -> tuple[str, ...]:
        return self.numeric_columns + self.categorical_columns

    def raw(self, name: str) -> np.ndarray:
        """A numeric feature in original units, NaN kept (profiles describe real values).
        Read one column at a time rather than kept as a (rows, features) float64 copy."""
        return numeric_values(self.source(name))


def infer_schema(frame: pd.DataFrame) -> list[dict]:
    """A schema for a frame that came without one: kind from dtype, role from the column name."""
    schema = []
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_bool_dtype(series):
            kind = "categorical"
        elif pd.api.types.is_numeric_dtype(series):
            kind = "id" if _looks_like_id(str(name)) else "numeric"
        elif pd.api.types.is_datetime64_any_dtype(series):
            kind = "datetime"
        else:
            kind = "id" if _looks_like_id(str(name)) else "categorical"
        schema.append(
            {
                "name": str(name),
                "dtype": str(series.dtype),
                "kind": kind,
                "role": _role_from_name(str(name)),
                "missing": int(series.isna().sum()),
            }
        )
    return schema


def prepare(
    frame: pd.DataFrame,
    *,
    schema: Sequence[Mapping] | None,
    features: Sequence[str] | None,
    normalize: bool = True,
    use_pca: bool = False,
    pca_components: int | None = None,
    pca_variance: float | None = None,
    random_state: int = 0,
    feature_transform: str = "auto",
) -> Prepared:
    """Choose the features, fit imputation/scaling/one-hot/PCA and transform every row.

    Raises EngineInputError for unknown features, no usable feature or an impossible PCA size,
    DegenerateDataError (one) for too few rows or a column with no value at all.
    """
    degenerate.check_row_count(len(frame))
    if not all(isinstance(name, str) for name in frame.columns):
        frame = frame.rename(columns=str)  # column names are matched as text everywhere
    repeated = sorted(set(frame.columns[frame.columns.duplicated()]))
    if repeated:
        raise EngineInputError(
            f"Column names must be unique; repeated: {', '.join(repeated)}. Rename them and retry."
        )
    numeric, categorical, roles, notes = _select_features(frame, schema=schema, features=features)
    columns = _frame_columns(frame)

    if feature_transform not in FEATURE_TRANSFORMS:
        raise EngineInputError(
            f"feature_transform must be one of {', '.join(FEATURE_TRANSFORMS)}; "
            f"got {feature_transform!r}."
        )
    fits = [
        _fit_numeric(
            name,
            numeric_values(columns(name)),
            normalize=normalize,
            auto=feature_transform == "auto",
            seed=random_state,
        )
        for name in numeric
    ]
    notes.extend(fit.note for fit in fits if fit.note)

    categories = []
    for name in categorical:
        kept, dropped = _fit_categories(columns(name))
        degenerate.check_has_values(name, present=bool(kept), numeric=False)
        if dropped:
            notes.append(
                f"Column '{name}' has {len(kept) + dropped} distinct values; the "
                f"{MAX_CATEGORIES_PER_COLUMN} most frequent are encoded, the rest count as none."
            )
        categories.append(kept)

    transform = {
        "numeric": {
            "columns": list(numeric),
            "medians": [fit.median for fit in fits],
            "means": [fit.mean for fit in fits],
            "scales": [fit.scale for fit in fits],
            "transforms": [fit.transform for fit in fits],
            "lambdas": [fit.lam for fit in fits],
        },
        "categorical": {"columns": list(categorical), "categories": categories},
        "encoded_feature_names": list(numeric)
        + [
            f"{name}={value}"
            for name, cats in zip(categorical, categories, strict=True)
            for value in cats
        ],
        "pca": None,
    }
    encoded, codes = _encode(columns, transform, n_rows=len(frame))
    encoded_feature = tuple(numeric) + tuple(
        name for name, cats in zip(categorical, categories, strict=True) for _ in cats
    )

    matrix = encoded
    if use_pca or pca_components is not None or pca_variance is not None:
        transform["pca"], pca_note = _fit_pca(
            encoded,
            pca_components=pca_components,
            pca_variance=pca_variance,
            random_state=random_state,
        )
        notes.append(pca_note)
        matrix = FeatureTransform.of(transform).project(encoded)
    return Prepared(
        matrix=matrix,
        encoded=encoded,
        source=columns,
        category_codes=tuple(codes),
        numeric_columns=tuple(numeric),
        categorical_columns=tuple(categorical),
        encoded_names=tuple(transform["encoded_feature_names"]),
        encoded_feature=encoded_feature,
        roles=roles,
        transform=transform,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class NumericFit:
    """One numeric feature's fitted preprocessing, for ``FeatureTransform.numeric``."""

    median: float
    mean: float
    scale: float
    transform: str  # "none", "log1p" or "yeo_johnson"
    lam: float  # the Yeo-Johnson lambda, 0 otherwise
    note: str | None  # what was done, for the run's explanation


def _fit_numeric(
    name: str, values: np.ndarray, *, normalize: bool, auto: bool = False, seed: int = 0
) -> NumericFit:
    """The median, the per-feature transform (with ``auto``: log1p for a heavy-tailed
    non-negative feature, Yeo-Johnson for a heavy-tailed one with negative values, chosen on
    the imputed values), then the mean and scale taken after the transform."""
    degenerate.check_has_values(name, present=not np.isnan(values).all(), numeric=True)
    median = float(np.nanmedian(values))
    filled = np.where(np.isfinite(values), values, median)
    transform, lam, note = "none", 0.0, None
    if auto:
        transform, lam, note = _choose_transform(name, filled, seed=seed)
        if transform != "none":
            filled = apply_numeric_transform(filled, transform, lam)
    mean, std = (float(filled.mean()), float(filled.std())) if normalize else (0.0, 1.0)
    return NumericFit(
        median=median,
        mean=mean,
        scale=std if std > 0 else 1.0,  # a constant column stays at 0
        transform=transform,
        lam=lam,
        note=note,
    )


def _choose_transform(name: str, filled: np.ndarray, *, seed: int) -> tuple[str, float, str | None]:
    """(transform, lambda, note) of one imputed numeric feature: heavy-tailed (skewness above
    SKEWED_ABOVE, or a maximum FAR_ABOVE_P99 times the 99th percentile) non-negative features are
    log-scaled; heavy-tailed ones with negative values get Yeo-Johnson. Skewness, percentile and
    lambda come from a sample of TRANSFORM_FIT_ROWS rows (all of them on smaller data)."""
    low, high = float(filled.min()), float(filled.max())
    if len(filled) < TAIL_MIN_ROWS or low == high:
        return "none", 0.0, None
    sample = filled
    if len(filled) > TRANSFORM_FIT_ROWS:
        sample = filled[sample_rows(len(filled), TRANSFORM_FIT_ROWS, seed=seed)]
    skewness = float(stats.skew(sample))
    p99 = float(np.percentile(sample, 99))
    far_out = p99 > 0 and high > FAR_ABOVE_P99 * p99
    if not (abs(skewness) > SKEWED_ABOVE or far_out) or not np.isfinite(skewness):
        return "none", 0.0, None
    if low >= 0 and (skewness > SKEWED_ABOVE or far_out):
        return "log1p", 0.0, f"{name}: log-scaled, skewness {skewness:.1f}"
    if low >= 0:  # a long left tail on non-negative values: left as it is
        return "none", 0.0, None
    lam = float(stats.yeojohnson_normmax(sample))
    return "yeo_johnson", lam, f"{name}: Yeo-Johnson (lambda {lam:.2f}), skewness {skewness:.1f}"


def _encode(
    columns: Columns, transform: Mapping, *, n_rows: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The training rows encoded (float32, before PCA) by the compiled model's own transform,
    a block of ENCODE_CHUNK_ROWS rows at a time (bounded float64 temporaries), and the category
    codes of every categorical column."""
    encoder = FeatureTransform.of(transform)
    codes = [
        category_codes(columns(name), categories)
        for name, categories in zip(encoder.categorical_columns, encoder.categories, strict=True)
    ]
    encoded = np.zeros((n_rows, encoder.width), dtype=np.float32)
    for start in range(0, n_rows, ENCODE_CHUNK_ROWS):
        rows = slice(start, min(start + ENCODE_CHUNK_ROWS, n_rows))
        values = np.empty((rows.stop - start, len(encoder.numeric_columns)))
        for j, name in enumerate(encoder.numeric_columns):
            values[:, j] = numeric_values(columns(name).iloc[rows])
        block_codes = [column_codes[rows] for column_codes in codes]
        encoder.encode(values, block_codes, n_rows=rows.stop - start, out=encoded[rows])
    return encoded, codes


def _frame_columns(frame: pd.DataFrame) -> Columns:
    return lambda name: frame[name]


def _fit_categories(values: pd.Series) -> tuple[list[str], int]:
    codes, uniques = factorize(values)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    totals: dict[str, int] = {}
    for unique, count in zip(uniques, counts, strict=True):
        category = category_string(unique)
        if category is not None:
            totals[category] = totals.get(category, 0) + int(count)
    by_frequency = sorted(totals, key=lambda category: (-totals[category], category))
    kept = sorted(by_frequency[:MAX_CATEGORIES_PER_COLUMN])
    return kept, max(0, len(by_frequency) - MAX_CATEGORIES_PER_COLUMN)


def _fit_pca(
    encoded: np.ndarray,
    *,
    pca_components: int | None,
    pca_variance: float | None,
    random_state: int,
) -> tuple[dict, str]:
    """The artifact's pca part fitted on (a sample of) the encoded rows, and a note."""
    width = encoded.shape[1]
    if pca_components is not None:
        if not 1 <= pca_components <= width:
            raise EngineInputError(
                f"pca_components must be between 1 and {width} (the number of encoded "
                f"features); got {pca_components}."
            )
        size: int | float = int(pca_components)
    else:
        share = DEFAULT_PCA_VARIANCE if pca_variance is None else float(pca_variance)
        if not 0 < share <= 1:
            raise EngineInputError(f"pca_variance must be above 0 and at most 1; got {share}.")
        size = share if share < 1 else width
    sample = encoded
    if len(encoded) > PCA_FIT_ROWS:
        sample = encoded[sample_rows(len(encoded), PCA_FIT_ROWS, seed=random_state)]
    pca = PCA(n_components=size, svd_solver="full", random_state=random_state).fit(sample)
    components = pca.components_.astype(np.float64)
    mean = pca.mean_.astype(np.float64)
    explained = float(pca.explained_variance_ratio_.sum())
    note = (
        f"PCA kept {len(components)} of {width} encoded features, explaining "
        f"{explained:.0%} of the variance."
    )
    artifact = {
        "components": components.tolist(),
        "mean": mean.tolist(),
        "explained_variance_ratio": [float(v) for v in pca.explained_variance_ratio_],
    }
    return artifact, note


def _select_features(
    frame: pd.DataFrame, *, schema: Sequence[Mapping] | None, features: Sequence[str] | None
) -> tuple[list[str], list[str], dict[str, str | None], list[str]]:
    known = {str(entry["name"]): entry for entry in (schema or [])}
    inferred = {entry["name"]: entry for entry in infer_schema(frame) if entry["name"] not in known}
    entries = {**inferred, **known}
    available = [str(name) for name in frame.columns]
    notes: list[str] = []
    if features:
        unknown = [name for name in features if name not in available]
        if unknown:
            shown = ", ".join(available[:20]) + (" ..." if len(available) > 20 else "")
            raise EngineInputError(
                f"Unknown feature {', '.join(repr(n) for n in unknown)}; the data has: {shown}."
            )
        chosen = list(dict.fromkeys(features))
    else:
        chosen = [name for name in available if entries[name]["kind"] in KINDS_USED_BY_DEFAULT]
    numeric, categorical = [], []
    for name in chosen:
        kind = entries[name]["kind"]
        if kind in ("numeric", "datetime") or (
            kind == "id" and pd.api.types.is_numeric_dtype(frame[name])
        ):
            numeric.append(name)
        else:
            categorical.append(name)
        if kind not in KINDS_USED_BY_DEFAULT:
            notes.append(f"Column '{name}' ({kind}) is used because it was asked for.")
    if not numeric and not categorical:
        raise EngineInputError(
            "No usable feature: choose at least one numeric or categorical column "
            "(ids, free text and dates are left out unless named)."
        )
    roles = {name: entries[name].get("role") for name in numeric + categorical}
    return numeric, categorical, roles, notes


def _looks_like_id(name: str) -> bool:
    lowered = name.lower()
    return lowered in ("id", "index", "uuid") or lowered.endswith(("_id", " id", "id_"))


def _role_from_name(name: str) -> str | None:
    if _looks_like_id(name):
        return "customer_id"
    words = set(re.split(r"[^a-z0-9]+", name.lower()))  # whole words: "percentage" is not "age"
    for fragment, role in ROLE_HINTS:
        if fragment in words:
            return role
    return None
