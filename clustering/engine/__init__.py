"""The pure clustering engine: DataFrame + schema + parameters in, named and explained clusters out.

Imports nothing from Django or our apps, so it is tested and benchmarked alone. The interface
other apps use (docs/architecture.md):

- ``fit(frame, *, schema, features, algorithm, params, progress=None, should_cancel=None)``
  -> EngineResult
- ``sweep_k(frame, *, schema, features, k_min=2, k_max=10, random_state=0)`` -> KSweepResult
- ``load_model(artifact)`` -> CompiledModel: ``transform(frame_or_records)``,
  ``predict(frame_or_records)`` / ``predict_frame(frame)`` -> (labels, confidences),
  ``predict_record(record)`` -> Prediction(label, confidence, distances),
  ``predict_columns(columns, n_rows=)`` (checked columns: the prediction fast path),
  ``predict_columns_runner_up(columns, n_rows=)`` (also each row's nearest other segment),
  ``ranges`` / ``typical_confidence`` (what the training rows looked like, ``ranges.py``)
- ``dendrogram_png(artifact, max_leaves=30)`` -> PNG bytes
- ``artifact_with_names(artifact, names)`` -> the artifact with its segments renamed
- ``EngineInputError`` (a sentence for the user), ``EngineCancelled``
"""

from clustering.engine.algorithms import ALGORITHMS, LINKAGES, MAX_CLUSTERS, MIN_CLUSTERS
from clustering.engine.artifact import artifact_with_names
from clustering.engine.compiled import CompiledModel, Prediction, load_model
from clustering.engine.degenerate import DegenerateDataError, check_row_count
from clustering.engine.dendrogram import dendrogram_png
from clustering.engine.errors import EngineCancelled, EngineInputError
from clustering.engine.fitting import fit, sweep_k, validate_params
from clustering.engine.preprocess import FEATURE_TRANSFORMS, infer_schema
from clustering.engine.results import ClusterResult, EngineResult, KSweepResult
from clustering.engine.words import recommendation

__all__ = [
    "ALGORITHMS",
    "FEATURE_TRANSFORMS",
    "LINKAGES",
    "MAX_CLUSTERS",
    "MIN_CLUSTERS",
    "ClusterResult",
    "CompiledModel",
    "DegenerateDataError",
    "EngineCancelled",
    "EngineInputError",
    "EngineResult",
    "KSweepResult",
    "Prediction",
    "artifact_with_names",
    "check_row_count",
    "dendrogram_png",
    "fit",
    "infer_schema",
    "load_model",
    "recommendation",
    "sweep_k",
    "validate_params",
]
