"""A run's model as the prediction service uses it: the engine's compiled model
(``clustering.engine.load_model``) plus the request names of its features (document 004's
aliases, from the dataset's column roles) and the checks of ``checks``."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clustering.engine import CompiledModel, EngineInputError, load_model
from clustering.engine.why import TypicalValues, explain_matrix, typical_values

from .advice import Advice, advise_batch
from .checks import CleanBatch, FeatureInput, clean_batch, clean_columns, clean_record
from .fields import ROLE_ALIASES


class ArtifactError(ValueError):
    """The run has no usable model artifact (not finished, or an unsupported format)."""


@dataclass(frozen=True)
class RunModel:
    """One run's compiled model with its inputs, ready for checked records of any number."""

    run_id: int | None
    compiled: CompiledModel
    inputs: tuple[FeatureInput, ...]
    typical: TypicalValues | None = None  # the segments' typical values ("Why this segment")
    dataset_name: str = ""
    # Confidence notes written so far, by (label, rounded confidence, runner-up): a bounded
    # set (k x k x 101) shared by the requests this compiled model serves.
    notes: dict[tuple[int, int, int], str] = field(default_factory=dict, compare=False, repr=False)

    def clean(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values by feature column, the input echoed as given); see ``checks.clean_record``."""
        return clean_record(self.inputs, record)

    def clean_batch(self, records: Sequence[Any]) -> CleanBatch:
        """Every record checked, or PredictionBatchError; see ``checks.clean_batch``."""
        return clean_batch(self.inputs, records)

    def _clean_columns(self, records: Sequence[Any]) -> CleanBatch | None:
        return clean_columns(self.inputs, records)

    def predict_batch(self, batch: CleanBatch) -> tuple[list[int], list[str], list[float]]:
        """(labels, names, confidences 0-100 rounded to 2 places) of a checked batch, in order."""
        labels, confidences = self.compiled.predict_columns(batch.columns, n_rows=len(batch.echoes))
        labels = labels.tolist()
        names = list(map(self.compiled.names_by_label.__getitem__, labels))
        # Python's round, as one prediction is rounded (np.round scales and may differ by an ulp).
        return labels, names, [round(value, 2) for value in confidences.tolist()]

    def explain_batch(self, batch: CleanBatch) -> list[dict[str, Any] | None]:
        """Why each customer of a checked batch is in its predicted segment (``explanation``
        of the answers; ``clustering.engine.why``), in order; None with a one-cluster model."""
        return self.explain_columns(batch.columns, n_rows=len(batch.echoes))

    def explain_columns(
        self,
        columns: Mapping[str, Sequence[Any]],
        *,
        n_rows: int,
        own_labels: Sequence[int] | None = None,
    ) -> list[dict[str, Any] | None]:
        """``explain_batch`` of checked columns; ``own_labels`` explains stored segments."""
        values, codes = self.compiled.encoder.read_columns(columns, n_rows=n_rows)
        return self._explain(values, codes, own_labels=own_labels)

    def explain_records(
        self, records: Sequence[Mapping[str, Any]], *, own_labels: Sequence[int] | None = None
    ) -> list[dict[str, Any] | None]:
        """``explain_batch`` of raw records (a dataset's rows: missing values are imputed)."""
        values, codes = self.compiled.encoder.read_records(records)
        return self._explain(values, codes, own_labels=own_labels)

    def _explain(
        self, values: Any, codes: Sequence[Any], *, own_labels: Sequence[int] | None
    ) -> list[dict[str, Any] | None]:
        encoder = self.compiled.encoder
        x = encoder.project(encoder.encode(values, codes, n_rows=len(values)))
        explanations = explain_matrix(
            self.compiled,
            x,
            values=values,
            codes=codes,
            typical=self.typical,
            own_labels=own_labels,
        )
        return [None if item is None else item.as_dict() for item in explanations]

    def predict_batch_advised(
        self, batch: CleanBatch
    ) -> tuple[list[int], list[str], list[float], list[Advice]]:
        """``predict_batch`` plus each row's ``advice.Advice`` (range warnings, named by the
        field the form and document 004 use, and the confidence note)."""
        labels, confidences, runner_ups = self.compiled.predict_columns_runner_up(
            batch.columns, n_rows=len(batch.echoes)
        )
        labels, runner_ups = labels.tolist(), runner_ups.tolist()
        names = list(map(self.compiled.names_by_label.__getitem__, labels))
        confidences = [round(value, 2) for value in confidences.tolist()]
        advice = advise_batch(
            self.compiled,
            batch.columns,
            labels=labels,
            confidences=confidences,
            runner_ups=runner_ups,
            names=self.field_names,
            notes=self.notes,
        )
        return labels, names, confidences, advice

    @property
    def field_names(self) -> dict[str, str]:
        """Dataset column -> the name a request (and the predict form) gives it."""
        return {feature.name: feature.alias or feature.name for feature in self.inputs}


def compile_artifact(
    artifact: Mapping[str, Any],
    *,
    roles: Mapping[str, str | None],
    run_id: int | None = None,
    profiles: Mapping[int, Mapping[str, Any]] | None = None,
    statistics: Mapping[str, Mapping[str, Any]] | None = None,
    dataset_name: str = "",
) -> RunModel:
    """The run's model: compiled by the engine; `roles` maps dataset columns to semantic roles
    (a feature may then be sent under document 004's name for its role); `profiles` (cluster
    label -> `Cluster.profile`) give the segments' typical values explanations quote;
    `statistics`, the dataset's column statistics, give each numeric feature its training range
    when the artifact predates recording it. ArtifactError when the artifact is unusable."""
    try:
        compiled = load_model(artifact)
    except EngineInputError as exc:
        raise ArtifactError(
            "This segmentation has no model to predict with; publish another run."
        ) from exc
    encoder = compiled.encoder
    categories = dict(zip(encoder.categorical_columns, encoder.category_index, strict=True))
    inputs = tuple(
        FeatureInput(
            name=column,
            kind="categorical" if column in categories else "numeric",
            alias=ROLE_ALIASES.get(roles.get(column) or ""),
            categories=tuple(categories.get(column, ())),
            **_training_range(compiled, statistics, column),
        )
        for column in compiled.features or (*encoder.numeric_columns, *categories)
    )
    return RunModel(
        run_id=run_id,
        compiled=compiled,
        inputs=inputs,
        typical=typical_values(compiled, profiles),
        dataset_name=dataset_name,
    )


def _training_range(
    compiled: CompiledModel, statistics: Mapping[str, Mapping[str, Any]] | None, column: str
) -> dict[str, float | None]:
    """The column's training range: the one the fitted model recorded (the same the range
    warnings use), else, for an older artifact, the dataset's statistics."""
    bounds = compiled.ranges.bounds(column) if compiled.ranges is not None else None
    if bounds is not None:
        return {"minimum": _finite(bounds[0]), "maximum": _finite(bounds[1])}
    stats = (statistics or {}).get(column, {})
    return {"minimum": _finite(stats.get("min")), "maximum": _finite(stats.get("max"))}


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
