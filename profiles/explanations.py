"""Reads of "Why this segment" for customers of a run's dataset: the runner-up segment, the margin
and the three features that pull the customer towards its segment (`clustering.engine.why`),
with the segments' typical values from their profiles. Predictions get theirs from
`services.predict(explain=True)`; these serve the document 003 look-up and the canonical
`GET /api/v1/runs/{id}/customers/{customer_id}/`, always scoped to the caller's runs."""

from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import Http404

from accounts.models import User
from clustering.models import Assignment, Cluster, ClusteringRun
from clustering.selectors import run_get
from config.errors import Conflict
from datasets.models import Customer
from datasets.selectors import customer_attributes

from .customer_lookup import customer_find
from .predictor.cache import run_model_get
from .predictor.model import ArtifactError

NOT_FINISHED = "Run {pk} has no model yet ({status}); customers can be explained once it succeeds."


def customer_explanation(
    *, run: ClusteringRun, attributes: dict[str, Any], cluster_label: int | None
) -> dict[str, Any] | None:
    """Why a customer of the run's dataset (its row's `attributes`) is in `cluster_label`, its
    stored segment: the `explanation` object of the answers. None when the run has no usable
    model, one cluster only, or the customer has no segment with a centre (DBSCAN's noise)."""
    if cluster_label is None:
        return None
    try:
        model = run_model_get(run=run)
    except ArtifactError:
        return None
    return model.explain_records([attributes], own_labels=[cluster_label])[0]


def run_customer_get(*, user: User, run_pk: int, external_id: str) -> dict[str, Any]:
    """One customer of one of the caller's runs, by its id in the run's dataset (matched as the
    look-up matches it): its segment, confidence and why. Http404 for another user's run or an
    id the dataset does not have; Conflict while the run has no model."""
    run = run_get(user=user, pk=run_pk)
    if run.status != ClusteringRun.Status.SUCCEEDED or not run.model_artifact:
        raise Conflict(NOT_FINISHED.format(pk=run.pk, status=run.status))
    assignment = Assignment.objects.filter(run=run, customer=OuterRef("pk"))
    name = Cluster.objects.filter(run=run, label=OuterRef("cluster_label")).values("name")
    customers = (
        Customer.objects.filter(dataset_id=run.dataset_id)
        .annotate(cluster_label=Subquery(assignment.values("cluster_label")[:1]))
        .annotate(confidence=Subquery(assignment.values("confidence")[:1]))
        .annotate(cluster_name=Subquery(name[:1]))
    )
    try:
        customer = customer_find(customers=customers, external_id=external_id)
    except Http404:
        raise Http404(
            f"Customer '{external_id.strip()}' is not in the dataset of run {run.pk}; check the "
            "id (the dataset's customer id column)."
        ) from None
    attributes = customer_attributes(dataset=run.dataset, row_numbers=[customer.row_number]).get(
        customer.row_number, {}
    )
    return {
        "run": run.pk,
        "customer_id": customer.external_id,
        "cluster": customer.cluster_label,
        "cluster_name": customer.cluster_name,
        "confidence": customer.confidence,
        "values": {feature: attributes.get(feature) for feature in run.features or []},
        "explanation": customer_explanation(
            run=run, attributes=attributes, cluster_label=customer.cluster_label
        ),
    }
