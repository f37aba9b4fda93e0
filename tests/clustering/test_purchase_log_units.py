"""A customer table derived from a purchase log counts recency and tenure in days and says so in
its column names, so a run's segment descriptions and the customers' lifetime values read them
as days (a bare "tenure" was taken for months: "Customers for 638 months")."""

import pytest

from datasets.demo import generate_purchase_log
from datasets.models import Dataset
from datasets.services import customer_table_create
from tests.e2e.data import dataset_upload, succeeded_run

pytestmark = pytest.mark.django_db


def test_a_run_on_a_derived_customer_table_describes_tenure_in_days(analyst):
    log = generate_purchase_log(300, seed=5)
    source = dataset_upload(analyst, log.frame.to_csv(index=False).encode(), name="orders.csv")
    table = customer_table_create(user=analyst, dataset=source)
    assert isinstance(table, Dataset)
    assert [column["name"] for column in table.schema][1::4] == ["recency_days", "tenure_days"]

    run = succeeded_run(table, analyst, k=3, publish=True)

    traits = [trait for cluster in run.clusters.all() for trait in cluster.characteristics]
    tenure = [trait for trait in traits if trait.startswith("Customers for")]
    assert tenure, traits
    assert all(" days on average" in trait for trait in tenure), tenure
    assert not any("months" in trait for trait in traits), traits
