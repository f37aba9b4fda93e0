"""The customer look-up: one customer of the published segmentation by id, with its cluster,
its rule-based segments and insights."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.errors import DomainError
from config.pages.errors import user_errors
from profiles.forms import CustomerLookupForm
from profiles.selectors import customer_segment_get

SEGMENT_LABELS = {
    "cluster_label": "Cluster",
    "cluster_id": "Cluster id",
    "gender": "Gender",
    "region": "Region",
    "age_group": "Age group",
    "income_bracket": "Income bracket",
    "purchase_tier": "Purchase tier",
    "clv_tier": "Lifetime value tier",
    "calculated_clv": "Lifetime value",
}


@login_required
@require_GET
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """Find one customer of the published segmentation by id: its cluster, its rule-based
    segments and insights. An unknown id or nothing published is said next to the form."""
    form = CustomerLookupForm(request.GET if "customer_id" in request.GET else None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        try:
            customer = customer_segment_get(
                user=request.user,
                external_id=form.cleaned_data["customer_id"],
                include_insights=True,
            )
        except Http404 as exc:
            form.add_error("customer_id", str(exc))
            status = 404
        except DomainError as exc:
            for message in user_errors(exc):
                form.add_error(None, message)
            status = exc.status
        else:
            context["customer"] = customer
            context["segments"] = [
                (SEGMENT_LABELS.get(key, key), value)
                for key, value in customer["segments"].items()
                if value is not None
            ]
    elif form.is_bound:
        status = 400
    return render(request, "profiles/customer_lookup.html", context, status=status)
