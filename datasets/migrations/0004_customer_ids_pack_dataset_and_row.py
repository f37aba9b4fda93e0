"""Give every existing customer the id `dataset_id * 2**32 + row_number` (datasets.models.
customer_pk), and its clustering assignments with it. Its own migration, so that the foreign-key
checks of these updates are done before 0005 alters the tables."""

from django.db import migrations

ROWS_PER_DATASET = 2**32


def pack_ids(apps, schema_editor):
    customer = apps.get_model("datasets", "Customer")._meta.db_table
    assignment = apps.get_model("clustering", "Assignment")._meta.db_table
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"UPDATE {quote(assignment)} SET customer_id = ("
        f"SELECT c.dataset_id * {ROWS_PER_DATASET} + c.row_number FROM {quote(customer)} c "
        f"WHERE c.id = {quote(assignment)}.customer_id)"
    )
    schema_editor.execute(
        f"UPDATE {quote(customer)} SET id = dataset_id * {ROWS_PER_DATASET} + row_number"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("datasets", "0003_customer_ext_id_index_with_row_number"),
        ("clustering", "0003_assignment_run_index_via_unique"),
    ]

    # Reversing keeps the packed ids: they are valid ids for the earlier schema too.
    operations = [migrations.RunPython(pack_ids, migrations.RunPython.noop)]
