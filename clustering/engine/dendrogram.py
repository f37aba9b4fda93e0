"""The dendrogram of a hierarchical run as a PNG: artifact in, bytes out.

Large trees are truncated to their last ``max_leaves`` merges so the picture stays readable and
quick to draw. Uses matplotlib's object API with the Agg canvas (no pyplot global state, safe in
threads). Imports numpy, scipy and matplotlib only.
"""

import io
from collections.abc import Mapping

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import dendrogram

from clustering.engine.errors import EngineInputError

DEFAULT_MAX_LEAVES = 30


def dendrogram_png(artifact: Mapping, max_leaves: int = DEFAULT_MAX_LEAVES) -> bytes:
    """PNG bytes of the run's dendrogram; EngineInputError when the run is not hierarchical."""
    tree = (artifact or {}).get("dendrogram")
    if not tree:
        raise EngineInputError(
            "Only hierarchical runs have a dendrogram; train with algorithm 'hierarchical'."
        )
    linkage = np.asarray(tree["linkage"], dtype=np.float64)
    n_leaves = int(tree["n_leaves"])
    names = list(artifact.get("names") or [])
    figure = Figure(figsize=(10, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    truncated = n_leaves > max_leaves
    dendrogram(
        linkage,
        ax=axes,
        truncate_mode="lastp" if truncated else None,
        p=max_leaves,
        show_leaf_counts=True,
        no_labels=not truncated and n_leaves > 60,
        color_threshold=_cut_height(linkage, len(names)),
    )
    shown = f"last {max_leaves} merges of {n_leaves:,} rows" if truncated else f"{n_leaves:,} rows"
    axes.set_title(f"Hierarchical clustering ({shown})")
    axes.set_xlabel("customers (counts in brackets: rows under a truncated branch)")
    axes.set_ylabel("merge distance")
    if names:
        axes.text(
            0.99,
            0.97,
            "\n".join(names),
            transform=axes.transAxes,
            ha="right",
            va="top",
            fontsize=8,
        )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _cut_height(linkage: np.ndarray, n_clusters: int) -> float | None:
    """Merge height between the k-cluster cut and the next merge: branches below are coloured."""
    if n_clusters < 2 or n_clusters > len(linkage):
        return None
    heights = np.sort(linkage[:, 2])
    return float((heights[-n_clusters] + heights[-n_clusters + 1]) / 2) if n_clusters > 1 else None
