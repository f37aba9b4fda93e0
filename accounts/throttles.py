"""Throttles (document 003 section 4), counted on the cache every process shares."""

from rest_framework import throttling


class UserRateThrottle(throttling.UserRateThrottle):
    """100 requests/hour per user by default (`THROTTLE_USER`)."""

    scope = "user"
