"""Helpers of the accounts tests: real tokens from the real services, real clients."""

import pytest
from rest_framework.test import APIClient

from accounts import services


def bearer_client(user) -> APIClient:
    """A client that sends a real access token of `user`, as an API client would."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {services.tokens_issue(user=user).access}")
    return client


@pytest.fixture
def user_bearer(user) -> APIClient:
    return bearer_client(user)


@pytest.fixture
def admin_bearer(admin_user) -> APIClient:
    return bearer_client(admin_user)
