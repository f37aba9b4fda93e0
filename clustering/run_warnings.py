"""Warnings a run carries (`ClusteringRun.warnings`): a run can succeed and still say little
about the customers. Pure functions of the schema, the features and the segment sizes."""

from typing import Any

from .features import FORCE_HINT, id_columns

# Past this share one segment is nearly everyone: the segmentation separates almost nobody.
DOMINANT_SEGMENT_PERCENT = 90.0
UNDESCRIPTIVE_KINDS = {"datetime", "text"}


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def feature_warnings(
    *, schema: list[dict[str, Any]], requested: list[str] | None, chosen: list[str]
) -> list[str]:
    """Sentences about the features of a new run: id columns left out of the request, id
    columns forced in, and features that are all ids, dates or free text."""
    ids = set(id_columns(schema=schema))
    warnings = []
    left_out = [name for name in requested or [] if name in ids and name not in chosen]
    if left_out:
        verb = "was" if len(left_out) == 1 else "were"
        warnings.append(
            f"{_quoted(left_out)} {verb} left out of the features: id columns identify "
            f"customers rather than describe them. {FORCE_HINT}"
        )
    forced = [name for name in chosen if name in ids]
    if forced:
        warnings.append(
            f"{_quoted(forced)} {'is an id column' if len(forced) == 1 else 'are id columns'} "
            "used as a feature because the run forced it: segments of ids say nothing about the "
            "customers."
        )
    kinds = {column["name"]: column.get("kind") for column in schema}
    if chosen and all(name in ids or kinds.get(name) in UNDESCRIPTIVE_KINDS for name in chosen):
        warnings.append(
            f"Every feature ({_quoted(chosen)}) is an id, a date or free text, so the segments "
            "do not describe the customers. Choose numeric or categorical columns such as "
            "spend, age or region."
        )
    return warnings


def segment_warnings(*, cluster_sizes: dict[str, int]) -> list[str]:
    """A sentence when one segment (DBSCAN's noise aside) holds over DOMINANT_SEGMENT_PERCENT of
    the customers."""
    total = sum(cluster_sizes.values())
    segments = {label: size for label, size in cluster_sizes.items() if int(label) >= 0}
    if not total or not segments:
        return []
    largest = max(segments.values())
    percent = 100.0 * largest / total
    if percent <= DOMINANT_SEGMENT_PERCENT:
        return []
    return [
        f"One segment holds {percent:.1f}% of the customers ({largest:,} of {total:,}), so the "
        "segmentation separates almost nobody. Try other features, or another number of "
        "segments or algorithm."
    ]
