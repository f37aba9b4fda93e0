"""Fixtures of the datasets tests: small CSV files and an upload helper."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from datasets.demo import generate_customers

SMALL_CSV = (
    b"customer_id,age,gender,region,annual_income,spending_score\n"
    b"C001,25,Female,North,45.5,80\n"
    b"C002,32,Male,NA,78.0,40\n"
    b"C003,45,Female,South,52.25,55\n"
    b"C004,28,Male,East,,73\n"
    b"C005,56,Female,West,89.0,38\n"
)


@pytest.fixture
def small_csv() -> bytes:
    return SMALL_CSV


@pytest.fixture
def demo_csv() -> bytes:
    """200 generated customers with real segment structure."""
    return generate_customers(200, seed=3).to_csv(index=False).encode()


def csv_file(content: bytes, name: str = "customers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def upload() -> Callable[..., object]:
    """POST a CSV to an upload path as multipart; returns the response."""

    def _upload(
        client: APIClient,
        content: bytes,
        *,
        path: str = "/api/v1/datasets/",
        name: str = "customers.csv",
        **fields,
    ):
        return client.post(path, {"file": csv_file(content, name), **fields}, format="multipart")

    return _upload


def media_files(root: Path) -> list[Path]:
    """Every file under MEDIA_ROOT (nothing may be left behind by a failed upload)."""
    return [path for path in Path(root).rglob("*") if path.is_file()] if Path(root).exists() else []
