"""Demo data: the generator, `manage.py generate_customers` and the demo dataset of seed_demo."""

import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from datasets.demo import COLUMNS, generate_customers
from datasets.ingest import ingest
from datasets.models import Dataset
from tests.factories import UserFactory


def test_generate_customers_has_the_documented_columns_and_ranges():
    frame = generate_customers(2_000, seed=1)
    assert tuple(frame.columns) == COLUMNS
    assert frame["customer_id"].is_unique
    assert frame["age"].between(18, 80).all()
    assert frame["spending_score"].between(1, 100).all()
    assert frame["tenure_months"].between(1, 120).all()
    assert (frame["annual_income"] >= 8).all()
    assert set(frame["gender"]) == {"Female", "Male"}
    assert set(frame["region"]) <= {"North", "South", "East", "West", "Central", "Coastal"}


def test_generate_customers_is_deterministic_per_seed():
    pd.testing.assert_frame_equal(generate_customers(500, seed=4), generate_customers(500, seed=4))
    assert not generate_customers(500, seed=4).equals(generate_customers(500, seed=5))


def test_generate_customers_has_real_segment_structure():
    numbers = generate_customers(1_500, seed=2).select_dtypes("number")
    scaled = StandardScaler().fit_transform(numbers)
    labels = KMeans(n_clusters=5, n_init=2, random_state=0).fit_predict(scaled)
    assert silhouette_score(scaled, labels, sample_size=1_000, random_state=0) > 0.3
    shuffled = np.random.default_rng(0).permuted(scaled, axis=0)  # same marginals, no structure
    noise = KMeans(n_clusters=5, n_init=2, random_state=0).fit_predict(shuffled)
    assert silhouette_score(shuffled, noise, sample_size=1_000, random_state=0) < 0.25


def test_generate_customers_refuses_zero_rows():
    with pytest.raises(ValueError, match="at least 1"):
        generate_customers(0)


def test_generate_customers_command_writes_a_csv_the_ingest_reads(tmp_path):
    out = tmp_path / "demo" / "customers.csv"
    call_command("generate_customers", rows=300, out=out, seed=3, stderr=io.StringIO())
    result = ingest(out.read_bytes())
    assert len(result.frame) == 300
    assert result.id_column == "customer_id"
    assert [(c["name"], c["role"]) for c in result.schema] == [
        ("customer_id", "customer_id"),
        ("age", "age"),
        ("gender", "gender"),
        ("region", "region"),
        ("annual_income", "income"),
        ("spending_score", "spending_score"),
        ("purchase_frequency", "purchase_frequency"),
        ("avg_purchase_amount", "purchase_amount"),
        ("tenure_months", "tenure"),
    ]


def test_generate_customers_command_writes_an_rfm_table(tmp_path):
    out = tmp_path / "orders.csv"
    call_command("generate_customers", rows=500, out=out, kind="rfm", stderr=io.StringIO())
    result = ingest(out.read_bytes())
    assert len(result.frame) == 500
    assert [(c["name"], c["role"]) for c in result.schema] == [
        ("customer_id", "customer_id"),
        ("recency_days", "recency"),
        ("frequency", "frequency"),
        ("monetary", "monetary"),
        ("tenure_days", "tenure"),
    ]
    assert (result.frame["frequency"] >= 1).all()


def test_generate_customers_command_refuses_bad_row_count():
    with pytest.raises(CommandError, match="--rows must be between 1"):
        call_command("generate_customers", rows=0)


@pytest.mark.django_db
def test_seed_demo_loads_a_demo_dataset_for_the_analyst():
    call_command("seed_demo", stdout=io.StringIO())
    dataset = Dataset.objects.get()
    assert dataset.owner.username == "analyst"
    assert dataset.n_rows == 5_000
    assert dataset.customers.count() == 5_000


@pytest.mark.django_db
def test_seed_demo_leaves_an_existing_database_alone():
    UserFactory()
    call_command("seed_demo", stdout=io.StringIO())
    assert not Dataset.objects.exists()


def test_generate_customers_command_without_out_writes_the_same_csv_to_stdout(
    tmp_path, capsysbinary
):
    out = tmp_path / "customers.csv"
    call_command("generate_customers", rows=50, out=out, seed=5, stderr=io.StringIO())
    call_command("generate_customers", rows=50, seed=5)
    written = capsysbinary.readouterr().out
    assert written == out.read_bytes()
    assert written.startswith(b'"customer_id","age","gender","region"')
