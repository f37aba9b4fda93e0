"""Helpers shared by the clustering views: dataset look-ups worded for each contract, the PNG
renderer and the dendrogram answer."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework.renderers import BaseRenderer

from accounts.models import User
from clustering import engine
from config.api.renderers import SafeJSONRenderer
from config.errors import Conflict
from datasets.models import Dataset
from datasets.selectors import current_dataset_required, dataset_get

from ...models import ClusteringRun


class PNGRenderer(BaseRenderer):
    """Lets `Accept: image/png` through content negotiation; errors still render as JSON."""

    media_type = "image/png"
    format = "png"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:  # an error body: say it is JSON, not an image
            response["Content-Type"] = "application/json"
        return SafeJSONRenderer().render(data)


def dataset_for_input(*, user: User, pk: int) -> Dataset:
    """A dataset named in a request body: one the caller may see, else a 400 naming it."""
    try:
        return dataset_get(user=user, pk=pk)
    except Http404:
        raise ValidationError(
            {"dataset": [f"Dataset {pk} was not found among your datasets."]}
        ) from None


def dataset_named_or_current(*, user: User, dataset_id: int | None) -> Dataset:
    """The dataset a body names with `dataset_id`, else the caller's current dataset."""
    if dataset_id:
        return dataset_for_input(user=user, pk=dataset_id)
    return current_dataset_required(user=user)


def dendrogram_response(*, run: ClusteringRun) -> HttpResponse:
    """The run's dendrogram as a PNG; Conflict when the run has none (yet)."""
    if run.algorithm != ClusteringRun.Algorithm.HIERARCHICAL:
        raise Conflict(
            f"Run {run.pk} used {run.algorithm}; only hierarchical runs have a dendrogram."
        )
    if run.status != ClusteringRun.Status.SUCCEEDED:
        raise Conflict(f"Run {run.pk} is {run.status}; its dendrogram exists once it succeeds.")
    png = engine.dendrogram_png(run.model_artifact)
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="run-{run.pk}-dendrogram.png"'
    return response


NOTHING_PUBLISHED = OpenApiResponse(
    description="No segmentation is published yet (or, for /elbow, no dataset is loaded)."
)
