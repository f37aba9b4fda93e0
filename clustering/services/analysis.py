"""Stateless analysis (document 001): customers in, named segments out, nothing stored."""

from typing import Any

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError

from clustering import engine
from clustering.engine.labels import NOISE_LABEL, cluster_count
from clustering.engine.preprocess import infer_schema
from clustering.engine.words import name_segments, recommendation

from ..features import default_features, records_out_of_range


def records_analyze(
    *,
    records: list[dict[str, Any]],
    algorithm: str = "kmeans",
    n_clusters: int | None = None,
    feature_transform: str | None = None,
    include_customers: bool = True,
) -> dict[str, Any]:
    """Cluster the given customers (k by silhouette when not given) and describe each cluster in
    document 001's shape. Up to SYNC_CLUSTER_MAX_ROWS records; ValidationError with a reason for
    anything the engine cannot cluster."""
    limit = settings.SYNC_CLUSTER_MAX_ROWS
    if len(records) > limit:
        raise ValidationError(
            {
                "customerData": [
                    f"{len(records):,} customers is more than the {limit:,} analysed inline. "
                    "Upload them as a CSV (POST /api/v1/datasets/upload) and start a background "
                    "run (POST /api/v1/runs/)."
                ]
            }
        )
    for index, record in enumerate(records):
        for key, value in record.items():
            if isinstance(value, dict | list):
                raise ValidationError(
                    {
                        "customerData": [
                            f"Customer {index}: field '{key}' holds a list or object; send plain "
                            "values (numbers, text, true/false, null)."
                        ]
                    }
                )
    for index, fields in records_out_of_range(records).items():
        key, message = next(iter(fields.items()))
        raise ValidationError({"customerData": [f"Customer {index}: field '{key}': {message}"]})
    frame = pd.DataFrame.from_records(records)
    schema = infer_schema(frame)
    features = default_features(schema=schema)
    if not features:
        raise ValidationError(
            {"customerData": ["The customers have no numeric or text field to cluster on."]}
        )
    try:  # the engine's words for too few customers, before the n_clusters rule below
        engine.check_row_count(len(frame))
    except engine.EngineInputError as exc:
        raise ValidationError({"customerData": [str(exc)]}) from None
    params: dict[str, Any] = {}
    if feature_transform is not None:
        params["feature_transform"] = feature_transform
    if n_clusters is not None:
        if n_clusters >= len(frame):
            raise ValidationError(
                {
                    "n_clusters": [
                        f"Choose fewer clusters than customers: {len(frame)} customers allow at "
                        f"most {len(frame) - 1}; got {n_clusters}."
                    ]
                }
            )
        params["n_clusters"] = n_clusters
    try:
        result = engine.fit(
            frame, schema=schema, features=features, algorithm=algorithm, params=params
        )
    except engine.EngineInputError as exc:
        raise ValidationError(str(exc)) from None
    return _analysis_answer(result=result, records=records, include_customers=include_customers)


def _analysis_answer(
    *, result: "engine.EngineResult", records: list[dict[str, Any]], include_customers: bool
) -> dict[str, Any]:
    members: dict[int, list[dict[str, Any]]] = {c.label: [] for c in result.clusters}
    if include_customers:
        for record, label in zip(records, result.labels.tolist(), strict=True):
            members[label].append(record)
    clusters = [
        {
            "clusterId": cluster.label,
            "clusterName": cluster.name,
            "size": cluster.size,
            "percentage": cluster.percentage,
            "centroid": cluster.centroid,
            "characteristics": cluster.characteristics,
            "summary": cluster.summary,
            "recommendation": cluster.recommendation,
            **({"customers": members[cluster.label]} if include_customers else {}),
        }
        for cluster in result.clusters
    ]
    metrics = result.metrics
    return {
        "clusters": clusters,
        "featureImportance": {k: round(float(v), 4) for k, v in result.feature_importance.items()},
        "accuracy": None if result.accuracy is None else round(float(result.accuracy), 4),
        "metrics": {
            "silhouette_score": metrics.get("silhouette"),
            "davies_bouldin_score": metrics.get("davies_bouldin"),
            "calinski_harabasz_score": metrics.get("calinski_harabasz"),
            "stability": result.stability,
        },
        "algorithm": result.algorithm,
        "n_clusters": cluster_count(c.label for c in result.clusters),
        "parameters": result.parameters,
        "notes": list(result.notes),
    }


def analysis_recommendations(*, analysis: dict[str, Any]) -> list[str]:
    """Recommendations for each cluster of a `POST /api/analyze` answer, largest cluster first:
    the one the analysis carries, else one written from the cluster's name and share."""
    clusters = analysis.get("clusters")
    if not isinstance(clusters, list) or not clusters:
        raise ValidationError(
            {
                "analysis": [
                    "analysis.clusters is missing or empty: send the whole answer of "
                    "POST /api/analyze."
                ]
            }
        )
    total = sum(_size(cluster) for cluster in clusters if isinstance(cluster, dict)) or 1
    ranked = sorted(
        (cluster for cluster in clusters if isinstance(cluster, dict)),
        key=lambda cluster: -_size(cluster),
    )
    if not ranked:
        raise ValidationError({"analysis": ["Each entry of analysis.clusters must be an object."]})
    labels, shares = [], []
    for rank, cluster in enumerate(ranked):
        label = cluster.get("clusterId", rank)
        labels.append(label if isinstance(label, int) and not isinstance(label, bool) else rank)
        percentage = cluster.get("percentage")
        valid = isinstance(percentage, int | float) and not isinstance(percentage, bool)
        shares.append(float(percentage) if valid else 100.0 * _size(cluster) / total)
    keys = [rank if label != NOISE_LABEL else -1 - rank for rank, label in enumerate(labels)]
    unnamed = name_segments(keys, percentages=dict(zip(keys, shares, strict=True)))
    advice = []
    for rank, cluster in enumerate(ranked):
        given = cluster.get("recommendation")
        if isinstance(given, str) and given.strip():
            advice.append(given.strip())
            continue
        name = str(cluster.get("clusterName") or unnamed[keys[rank]])[:120]
        advice.append(
            recommendation(name=name, label=labels[rank], percentage=shares[rank], rank=rank)
        )
    return advice


def _size(cluster: dict[str, Any]) -> int:
    size = cluster.get("size")
    if isinstance(size, int) and not isinstance(size, bool):
        return size
    customers = cluster.get("customers")
    return len(customers) if isinstance(customers, list) else 0
