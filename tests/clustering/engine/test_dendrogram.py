"""dendrogram_png(): a PNG for hierarchical runs, truncated when large; a clear error otherwise."""

import io

import pytest
from matplotlib.image import imread

from clustering.engine import EngineInputError, dendrogram_png, fit
from tests.clustering.engine.conftest import make_blobs

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_dendrogram_png_draws_a_hierarchical_run():
    frame, _ = make_blobs(n_rows=20)
    result = fit(frame, algorithm="hierarchical", params={"n_clusters": 4})
    png = dendrogram_png(result.artifact)
    assert png.startswith(PNG_SIGNATURE)
    assert imread(io.BytesIO(png)).shape[:2] == (500, 1000)


def test_dendrogram_png_truncates_large_trees(blobs):
    frame, _ = blobs
    artifact = fit(frame, algorithm="hierarchical", params={"n_clusters": 4}).artifact
    small = dendrogram_png(artifact, max_leaves=10)
    assert small.startswith(PNG_SIGNATURE)
    assert small != dendrogram_png(artifact, max_leaves=30)


def test_dendrogram_png_refuses_runs_without_a_tree(blobs):
    frame, _ = blobs
    artifact = fit(frame, params={"n_clusters": 4, "stability": False}).artifact
    with pytest.raises(EngineInputError, match="Only hierarchical runs have a dendrogram"):
        dendrogram_png(artifact)
