"""Why a customer is in its segment: the runner-up segment, the margin between the two, and the
features that pull the customer towards its own segment rather than the runner-up.

In: a compiled model (``compiled.load_model``), model-space rows with the raw values they were
encoded from, and optionally the segments' profiles (``median_values``, ``category_shares``, as
the engine writes them). Out: one ``Explanation`` per row (None for a model of one cluster).
Imports numpy and the Django-free formatter ``common.numbers`` only.

The distance is the one predictions use: Euclidean in model space (scaled and one-hot encoded
features, after the PCA when the run used one). For own centroid a and runner-up b, feature j's
contribution is the sum over its encoded columns of (x - b)^2 - (x - a)^2, so the contributions
add up to d(x, b)^2 - d(x, a)^2 exactly (up to rounding). With a PCA, each model dimension's
(a - b)(2x - a - b) is carried back onto the encoded columns through the components (C): column
c gets (C^T (C C^T)^-1 (a - b))_c (C^T (2x - a - b))_c, which for orthonormal components is the
same rule on the row and centroids projected back, and adds up exactly even where the stored
components are orthonormal only to float32 precision. A category's one-hot columns add up into
its feature.

The runner-up is the second-nearest centroid (k-means, hierarchical and DBSCAN predict by the
nearest centroid), and for a Gaussian mixture the second most probable component: there the
assignment follows probability, so the squared margin (still Euclidean) may be negative.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clustering.engine.compiled import CompiledModel
from common.numbers import PERCENT_DECIMALS, number_text

TOP_REASONS = 3  # features named per customer


@dataclass(frozen=True)
class Reason:
    """One feature pulling the customer towards its segment rather than the runner-up."""

    feature: str
    kind: str  # "numeric" | "categorical"
    value: float | str | None  # the customer's own, original units (None: missing)
    segment_typical: float | None  # median (numeric) or share 0-100 of the customer's category
    runner_up_typical: float | None
    typical_is: str  # "median" | "centre" (no profiles: the centroid) | "share"
    contribution: float  # its part of d(x, runner-up)^2 - d(x, own)^2
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "kind": self.kind,
            "value": self.value,
            "segment_typical": self.segment_typical,
            "runner_up_typical": self.runner_up_typical,
            "typical_is": self.typical_is,
            "contribution": self.contribution,
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class Explanation:
    """One customer's own segment against its runner-up."""

    cluster: int
    cluster_name: str
    runner_up: int
    runner_up_name: str
    distance: float  # to the own segment's centre, model space
    runner_up_distance: float
    squared_margin: float  # runner_up_distance^2 - distance^2 = sum of contributions
    runner_up_share: float  # 100 d_own / (d_own + d_runner_up): 50 at a tie, 0 at the centre
    contributions: dict[str, float]  # per feature, in the model's feature order
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def margin(self) -> float:
        """How much nearer the own segment's centre is: d(x, runner-up) - d(x, own)."""
        return self.runner_up_distance - self.distance

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (plain floats, rounded for reading; contributions to 6 places)."""
        return {
            "runner_up": {"cluster": self.runner_up, "cluster_name": self.runner_up_name},
            "margin": {
                "distance": round(self.margin, 6),
                "squared_distance": round(self.squared_margin, 6),
                "own_distance": round(self.distance, 6),
                "runner_up_distance": round(self.runner_up_distance, 6),
                "runner_up_share": round(self.runner_up_share, 2),
            },
            "top_features": [reason.as_dict() for reason in self.reasons],
            "contributions": {name: round(value, 6) for name, value in self.contributions.items()},
        }


@dataclass(frozen=True)
class TypicalValues:
    """Each segment's typical values in original units, by centroid row: numeric medians
    (k, numeric features) and category shares 0-1 (k, one-hot columns), with the texts the
    sentences quote, written once per model."""

    numeric: np.ndarray
    shares: np.ndarray
    numeric_is: str  # "median" from the profiles, "centre" from the centroids when absent
    names: tuple[str, ...] = ()  # segment name per centroid row
    numeric_text: tuple[tuple[str, ...], ...] = ()  # number_text of ``numeric``
    share_text: tuple[tuple[str, ...], ...] = ()  # percentages of ``shares``, 1 decimal
    numeric_plain: tuple[tuple[float | None, ...], ...] = ()  # ``numeric``, None if not finite
    share_percent: tuple[tuple[float, ...], ...] = ()  # ``shares`` x 100, 2 decimals


def typical_values(
    model: CompiledModel, profiles: Mapping[int, Mapping[str, Any]] | None = None
) -> TypicalValues:
    """The segments' typical values: each segment profile's median and category shares when
    given (by cluster label), else read from the centroids (their original units; a category's
    one-hot mean is its share). Compute once per model: the explanation of a row reads it."""
    encoder = model.encoder
    encoded = _encoded_centroids(model)
    n_numeric = len(encoder.numeric_columns)
    numeric = encoder.numeric_original(encoded[:, :n_numeric]) if n_numeric else encoded[:, :0]
    numeric = np.array(numeric, dtype=np.float64)
    shares = np.clip(encoded[:, n_numeric:], 0.0, 1.0)
    from_profiles = False
    for row, label in enumerate(model.labels.tolist()):
        profile = (profiles or {}).get(int(label)) or {}
        medians = profile.get("median_values") or {}
        for j, name in enumerate(encoder.numeric_columns):
            value = medians.get(name)
            if isinstance(value, int | float) and np.isfinite(value):
                numeric[row, j] = float(value)
                from_profiles = True
        category_shares = profile.get("category_shares") or {}
        for column, offset, categories in zip(
            encoder.categorical_columns, encoder.offsets, encoder.categories, strict=True
        ):
            known = category_shares.get(column) or {}
            for position, category in enumerate(categories):
                share = known.get(str(category))
                if isinstance(share, int | float):  # only the top categories are profiled
                    shares[row, offset - n_numeric + position] = float(share)
    return TypicalValues(
        numeric=numeric,
        shares=shares,
        numeric_is="median" if from_profiles else "centre",
        names=tuple(model.name_of(label) for label in model.labels.tolist()),
        numeric_text=tuple(tuple(map(number_text, row)) for row in numeric.tolist()),
        share_text=tuple(
            tuple(number_text(100.0 * value, PERCENT_DECIMALS) for value in row)
            for row in shares.tolist()
        ),
        numeric_plain=tuple(tuple(map(_finite, row)) for row in numeric.tolist()),
        share_percent=tuple(
            tuple(round(100.0 * value, 2) for value in row) for row in shares.tolist()
        ),
    )


def explain_matrix(
    model: CompiledModel,
    x: np.ndarray,
    *,
    values: np.ndarray,
    codes: Sequence[np.ndarray],
    typical: TypicalValues | None = None,
    distances: np.ndarray | None = None,
    own_labels: Sequence[int] | None = None,
    top: int = TOP_REASONS,
) -> list[Explanation | None]:
    """The explanation of each model-space row ``x``, encoded from raw ``values`` (rows x
    numeric features, NaN = missing) and category ``codes`` (``FeatureTransform`` readers).
    The own segment is the model's prediction, or ``own_labels`` when given (a run's stored
    assignment, which for hierarchical and DBSCAN runs came from the algorithm, not the nearest
    centre: the squared margin may then be negative); a row whose own label has no centre
    (DBSCAN's noise) gets None, as does every row of a one-cluster model."""
    if len(model.centroids) < 2:
        return [None] * len(x)
    if distances is None:
        distances = model.distances(x)
    own_rows, no_centre = None, [False] * len(x)
    if own_labels is not None:
        row_of = {int(label): row for row, label in enumerate(model.labels.tolist())}
        wanted = [row_of.get(int(label), -1) for label in own_labels]
        no_centre = [row < 0 for row in wanted]
        own_rows = np.array([max(row, 0) for row in wanted], dtype=np.int64)
    own, runner_up = model.own_and_runner_up(x, distances, own=own_rows)
    typical = typical or typical_values(model)
    contributions, squared_own, squared_runner_up = feature_contributions(model, x, own, runner_up)
    # Python lists from here: one row at a time, numpy scalars would cost more than the math.
    rows = _Rows(
        model=model,
        typical=typical,
        values=values.tolist(),
        codes=[column.tolist() for column in codes],
    )
    names = feature_names(model)
    orders = np.argsort(-contributions, axis=1, kind="stable")[:, :top].tolist()
    labels = model.labels.tolist()
    explanations: list[Explanation | None] = []
    for i, (a, b, row, order, sq_a, sq_b) in enumerate(
        zip(
            own.tolist(),
            runner_up.tolist(),
            contributions.tolist(),
            orders,
            squared_own.tolist(),
            squared_runner_up.tolist(),
            strict=True,
        )
    ):
        if no_centre[i]:
            explanations.append(None)
            continue
        d_a, d_b = math.sqrt(sq_a), math.sqrt(sq_b)
        explanations.append(
            Explanation(
                cluster=labels[a],
                cluster_name=typical.names[a],
                runner_up=labels[b],
                runner_up_name=typical.names[b],
                distance=d_a,
                runner_up_distance=d_b,
                squared_margin=sq_b - sq_a,
                runner_up_share=100.0 * d_a / (d_a + d_b) if d_a + d_b > 0 else 50.0,
                contributions=dict(zip(names, row, strict=True)),
                reasons=tuple(rows.reason(i, j, a, b, row[j]) for j in order if row[j] > 0),
            )
        )
    return explanations


def explain(
    model: CompiledModel,
    data: Any,
    *,
    typical: TypicalValues | None = None,
    own_labels: Sequence[int] | None = None,
) -> list[Explanation | None]:
    """``explain_matrix`` of a DataFrame, a list of records or one record (raw values)."""
    encoder = model.encoder
    if isinstance(data, pd.DataFrame):
        values, codes = encoder.read_frame(data)
    else:
        records = [data] if isinstance(data, Mapping) else list(data)
        values, codes = encoder.read_records(records)
    x = encoder.project(encoder.encode(values, codes, n_rows=len(values)))
    return explain_matrix(
        model, x, values=values, codes=codes, typical=typical, own_labels=own_labels
    )


def feature_names(model: CompiledModel) -> list[str]:
    """The features contributions are given for: numeric, then categorical (encoder order)."""
    return [*model.encoder.numeric_columns, *model.encoder.categorical_columns]


def feature_contributions(
    model: CompiledModel, x: np.ndarray, own: np.ndarray, runner_up: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(per row and feature the contribution (rows, features), d(x, own)^2, d(x, runner-up)^2):
    the contributions of a row add up to d(x, runner-up)^2 - d(x, own)^2."""
    centroids = model.centroids
    own_centres, other_centres = centroids[own], centroids[runner_up]
    squared_own = np.einsum("ij,ij->i", x - own_centres, x - own_centres)
    squared_other = np.einsum("ij,ij->i", x - other_centres, x - other_centres)
    components_t = model.encoder.components_t
    if components_t is None:
        by_column = (x - other_centres) ** 2 - (x - own_centres) ** 2
    else:  # per model dimension (a - b)(2x - a - b), carried back onto the encoded columns
        gram = components_t.T @ components_t  # the identity up to the float32 fit's rounding
        apart = np.linalg.solve(gram, (own_centres - other_centres).T).T @ components_t.T
        by_column = apart * ((2 * x - own_centres - other_centres) @ components_t.T)
    return by_column @ _column_features(model), squared_own, squared_other


def _column_features(model: CompiledModel) -> np.ndarray:
    """(encoded columns, features) 0/1: which feature each encoded column belongs to."""
    encoder = model.encoder
    n_numeric = len(encoder.numeric_columns)
    matrix = np.zeros((encoder.width, n_numeric + len(encoder.categorical_columns)))
    matrix[np.arange(n_numeric), np.arange(n_numeric)] = 1.0
    for position, (offset, categories) in enumerate(
        zip(encoder.offsets, encoder.categories, strict=True)
    ):
        matrix[offset : offset + len(categories), n_numeric + position] = 1.0
    return matrix


def _encoded_centroids(model: CompiledModel) -> np.ndarray:
    """The centroids on the encoded columns (before the PCA: projected back, mean added)."""
    encoder = model.encoder
    if encoder.components_t is None:
        return model.centroids
    mean = np.asarray(model.artifact["pca"]["mean"], dtype=np.float64)
    return model.centroids @ encoder.components_t.T + mean


@dataclass(frozen=True)
class _Rows:
    """The raw rows being explained, as Python lists, and what their sentences quote."""

    model: CompiledModel
    typical: TypicalValues
    values: list[list[float]]  # rows x numeric features (nan: missing)
    codes: list[list[int]]  # per categorical feature: each row's category position (-1)

    def reason(self, i: int, j: int, a: int, b: int, contribution: float) -> Reason:
        """Feature ``j`` (encoder order) of row ``i``, own centroid row a, runner-up b."""
        n_numeric = len(self.model.encoder.numeric_columns)
        if j < n_numeric:
            return self._numeric(i, j, a, b, contribution)
        return self._category(i, j - n_numeric, a, b, contribution)

    def _numeric(self, i: int, j: int, a: int, b: int, contribution: float) -> Reason:
        encoder, typical = self.model.encoder, self.typical
        name = encoder.numeric_columns[j]
        raw = self.values[i][j]
        known = math.isfinite(raw)
        shown = (
            number_text(raw)
            if known
            else f"missing (taken as {number_text(float(encoder.medians[j]))})"
        )
        word = "typical" if typical.numeric_is == "median" else "centre"
        sentence = (
            f"{name} {shown} vs {word} {typical.numeric_text[a][j]} in {typical.names[a]} "
            f"and {typical.numeric_text[b][j]} in {typical.names[b]}"
        )
        return Reason(
            feature=name,
            kind="numeric",
            value=raw if known else None,
            segment_typical=typical.numeric_plain[a][j],
            runner_up_typical=typical.numeric_plain[b][j],
            typical_is=typical.numeric_is,
            contribution=contribution,
            sentence=sentence,
        )

    def _category(self, i: int, position: int, a: int, b: int, contribution: float) -> Reason:
        encoder, typical = self.model.encoder, self.typical
        name = encoder.categorical_columns[position]
        code = self.codes[position][i]
        if code < 0:  # missing or unknown: all zeros, pulled by what the segments are not
            return Reason(
                feature=name,
                kind="categorical",
                value=None,
                segment_typical=None,
                runner_up_typical=None,
                typical_is="share",
                contribution=contribution,
                sentence=f"{name} missing or not a known category (counts as none of them)",
            )
        category = str(encoder.categories[position][code])
        column = encoder.offsets[position] - len(encoder.numeric_columns) + code
        sentence = (
            f"{name} {category}: {typical.share_text[a][column]} % of {typical.names[a]} and "
            f"{typical.share_text[b][column]} % of {typical.names[b]}"
        )
        return Reason(
            feature=name,
            kind="categorical",
            value=category,
            segment_typical=typical.share_percent[a][column],
            runner_up_typical=typical.share_percent[b][column],
            typical_is="share",
            contribution=contribution,
            sentence=sentence,
        )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
