"""The model artifact: written at fit time as JSON only (lists and finite floats, never pickle),
checked before it is loaded. Format in docs/architecture.md ("The model artifact"); the compiled
model (``compiled.load_model``) applies it. Imports nothing but the engine's own modules.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from clustering.engine.errors import EngineInputError
from clustering.engine.words import artifact_names
from common.jsonsafe import json_safe

if TYPE_CHECKING:  # the algorithms import the compiled model, which checks artifacts
    from clustering.engine.algorithms import AlgorithmFit

ARTIFACT_VERSION = 1
ARTIFACT_KEYS = ("version", "algorithm", "features", "numeric", "categorical", "centroids")


def build_artifact(
    *,
    transform: Mapping,
    features: Sequence[str],
    fit: "AlgorithmFit",
    names: Mapping[int, str],
    ranges: Mapping | None = None,
    typical_confidences: Sequence[float | None] | None = None,
) -> dict:
    """The JSON-safe artifact: lists and finite floats only, never pickle. ``ranges`` and
    ``typical_confidences`` (``clustering.engine.ranges``) are what the training rows looked
    like; optional, as in artifacts saved before they existed."""
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
    if ranges is not None:
        artifact["ranges"] = dict(ranges)
    if typical_confidences is not None:
        artifact["typical_confidences"] = list(typical_confidences)
    return json_safe(artifact)


def artifact_with_names(artifact: Mapping, names: Mapping[int, str]) -> dict:
    """A copy of the artifact whose segments are called as `names` says (label -> name); the
    compiled model answers predictions with them. Labels not in `names` keep their name; labels
    the model never predicts (DBSCAN's noise) are not in the artifact. An artifact saved without
    names gets the ones the compiled model would have given it (`words.artifact_names`)."""
    labels = [int(value) for value in artifact.get("labels") or range(len(artifact["centroids"]))]
    current = list(artifact.get("names") or ())
    if len(current) != len(labels):
        current = list(artifact_names(artifact))
    renamed = dict(artifact)
    renamed["names"] = [names.get(label, old) for label, old in zip(labels, current, strict=True)]
    return renamed


def check_artifact(artifact: object) -> None:
    """EngineInputError unless the artifact has every key and this version's format."""
    if not isinstance(artifact, Mapping) or any(key not in artifact for key in ARTIFACT_KEYS):
        raise EngineInputError("This run has no usable model; train it again.")
    if artifact["version"] != ARTIFACT_VERSION:
        raise EngineInputError(
            f"This model was saved in format {artifact['version']}, which this version cannot "
            "read; train the run again."
        )
