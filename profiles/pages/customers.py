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
# The role whose actual value a bracket summarises ("56+" is shown with the customer's age).
BRACKET_ROLE = {"age_group": "age", "income_bracket": "income", "purchase_tier": "purchase_amount"}


def bracket_basis(key: str, behind: dict[str, dict]) -> dict | None:
    """The value a bracket was drawn from, as {"column", "value"}: the purchase tier brackets the
    yearly spend (amount x frequency) when the data has a frequency, as the rules do."""
    row = behind.get(BRACKET_ROLE.get(key))
    if key != "purchase_tier" or row is None:
        return row
    frequency = behind.get("purchase_frequency")
    amount = row.get("value")
    times = frequency.get("value") if frequency else None
    if not isinstance(amount, int | float) or not isinstance(times, int | float):
        return row
    return {
        "column": f"yearly spend, {row['column']} times {frequency['column']}",
        "value": float(amount) * float(times),
    }


@login_required
@require_GET
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """Find one customer of the published segmentation by id (case and surrounding spaces aside
    when that names one customer): its cluster, its rule-based segments with the actual values
    behind the brackets, its values next to its segment's typical ones, and insights. An unknown
    or ambiguous id, or nothing published, is said next to the form."""
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
            comparison = customer.get("compared_with_segment", [])
            behind = {role: row for row in comparison if (role := row["role"])}
            context["customer"] = customer
            context["comparison"] = comparison
            context["segments"] = [
                (SEGMENT_LABELS.get(key, key), value, bracket_basis(key, behind))
                for key, value in customer["segments"].items()
                if value is not None
            ]
    elif form.is_bound:
        status = 400
    return render(request, "profiles/customer_lookup.html", context, status=status)
