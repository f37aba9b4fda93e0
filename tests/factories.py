"""One factory per model. A test passes only the fields it is about."""

import hashlib
import io
import uuid
from datetime import timedelta

import factory
import pandas as pd
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from datasets.bulk import customers_load
from datasets.models import Dataset

DEFAULT_PASSWORD = "Correct-Horse-Battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    full_name = factory.Faker("name")
    role = "user"
    password = factory.django.Password(DEFAULT_PASSWORD)


class AnalystFactory(UserFactory):
    role = "analyst"


class DatasetFactory(factory.django.DjangoModelFactory):
    """A dataset row without a file; tests that need data upload a real CSV instead."""

    class Meta:
        model = "datasets.Dataset"

    owner = factory.SubFactory(AnalystFactory)
    name = factory.Sequence(lambda n: f"dataset {n}")
    original_filename = "customers.csv"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "datasets.Customer"

    dataset = factory.SubFactory(DatasetFactory)
    row_number = factory.Sequence(lambda n: n)
    external_id = factory.LazyAttribute(lambda o: f"C{o.row_number:07d}")


class ClusteringRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clustering.ClusteringRun"

    dataset = factory.SubFactory(DatasetFactory)
    created_by = factory.LazyAttribute(lambda o: o.dataset.owner)
    algorithm = "kmeans"
    parameters = factory.LazyFunction(lambda: {"n_clusters": 3})


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clustering.Cluster"

    run = factory.SubFactory(ClusteringRunFactory)
    label = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"Segment {n}")
    size = 10
    percentage = 10.0


class CustomerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "profiles.CustomerProfile"

    owner = factory.SubFactory(UserFactory)
    name = factory.Faker("name")
    sex = "Female"
    age = 35
    annual_income = 60.0
    spending_score = 50
    purchase_frequency = 12.0


class PredictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "profiles.Prediction"

    user = factory.SubFactory(UserFactory)
    input = factory.LazyFunction(lambda: {"sex": "Female", "age": 35})
    cluster = 0
    cluster_name = "Segment 0"
    confidence = 80.0


class ExportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.Export"

    owner = factory.SubFactory(AnalystFactory)
    run = factory.SubFactory(ClusteringRunFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


def dataset_with_rows(*, owner, frame: pd.DataFrame, schema: list[dict]) -> Dataset:
    """A dataset as an upload leaves it: Parquet copy, the given schema, one Customer a row
    loaded by the upload's own `customers_load` (row_number = position; the `customer_id` column,
    or the row number where there is none, as external id)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    content = buffer.getvalue()
    dataset = Dataset.objects.create(
        owner=owner,
        name=f"customers {uuid.uuid4().hex[:6]}",
        n_rows=len(frame),
        n_columns=frame.shape[1],
        schema=schema,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
    )
    dataset.parquet_file.save(f"{dataset.pk}.parquet", ContentFile(content), save=True)
    id_column = "customer_id" if "customer_id" in frame else None
    customers_load(dataset=dataset, frame=frame, id_column=id_column)
    return dataset
