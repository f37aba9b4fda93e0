"""Reads of the accounts app: users, their activity counts, system statistics, API keys."""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from profiles.models import CustomerProfile, Prediction

from .models import ApiKey, User


def user_list() -> QuerySet[User]:
    """Every user, oldest first (admin use only: callers check the admin role)."""
    return User.objects.order_by("id")


def user_get(*, pk: int) -> User:
    """One user by id; Http404 when there is none."""
    return get_object_or_404(User, pk=pk)


def user_activity_counts(*, user: User) -> dict[str, int]:
    """How many predictions and saved profiles this user has (document 004's profile)."""
    return {
        "total_predictions": Prediction.objects.filter(user=user).count(),
        "total_saved_profiles": CustomerProfile.objects.filter(owner=user).count(),
    }


def system_totals() -> dict[str, int]:
    """Predictions and saved profiles over every user."""
    return {
        "total_predictions": Prediction.objects.count(),
        "total_profiles": CustomerProfile.objects.count(),
    }


def system_stats() -> dict:
    """Document 004's /admin/stats: users by status and role, predictions and profiles."""
    total_users = User.objects.count()
    active_users = User.objects.filter(is_active=True).count()
    # order_by() drops Meta.ordering, which would otherwise split the GROUP BY per id.
    by_role = dict(
        User.objects.order_by().values("role").annotate(n=Count("id")).values_list("role", "n")
    )
    return {
        "total_users": total_users,
        "active_users": active_users,
        "inactive_users": total_users - active_users,
        **system_totals(),
        "users_by_role": {role: by_role.get(role, 0) for role in User.Role.values},
    }


def api_key_list(*, owner: User) -> QuerySet[ApiKey]:
    """The owner's keys, newest first, revoked ones included (they show when they stopped)."""
    return ApiKey.objects.filter(owner=owner).order_by("-created_at", "-id")


def api_key_get(*, owner: User, pk: int) -> ApiKey:
    """One of the owner's keys; another user's key does not exist for the caller (404)."""
    return get_object_or_404(ApiKey, owner=owner, pk=pk)
