"""`make run` on an empty database: demo accounts so a newcomer can log in at once, a demo
customer dataset so there is something to look at, and a first published segmentation of it so
predictions and segment pages work at once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand

from clustering.features import profile_features
from clustering.models import ClusteringRun
from clustering.services import run_execute_inline
from datasets.demo import generate_customers
from datasets.models import Dataset
from datasets.services import dataset_create_from_upload

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed on purpose: local demo accounts only
DEMO_ACCOUNTS = (("admin", "admin"), ("analyst", "analyst"), ("user", "user"))
DEMO_DATASET_ROWS = 5_000
DEMO_SEGMENTS = 5  # the demo generator draws customers from five latent segments


class Command(BaseCommand):
    help = "Create demo accounts (admin, analyst, user) when the database has no users."

    def handle(self, *args, **options) -> None:
        user_model = get_user_model()
        if user_model.objects.exists():
            self.stdout.write("Database already has users: demo data left as it is.")
            return
        for username, role in DEMO_ACCOUNTS:
            user_model.objects.create_user(
                username=username,
                email=f"{username}@demo.local",
                password=DEMO_PASSWORD,
                role=role,
                is_staff=role == "admin",
                is_superuser=role == "admin",
            )
        names = ", ".join(name for name, _ in DEMO_ACCOUNTS)
        self.stdout.write(f"Demo logins: {names} (password: {DEMO_PASSWORD})")
        dataset = self._load_demo_dataset()
        if dataset is not None:
            self.stdout.write(f"Demo dataset: {dataset.name} ({dataset.n_rows} customers).")
            run = self._publish_demo_segmentation(dataset)
            if run is not None:
                self.stdout.write(
                    f"Demo segmentation: run {run.pk}, {run.metrics.get('n_clusters')} segments, "
                    "published."
                )

    def _load_demo_dataset(self) -> Dataset | None:
        """When there is no dataset yet: generated customers, uploaded by the demo analyst."""
        if Dataset.objects.exists():
            return None
        analyst = get_user_model().objects.get(username="analyst")
        content = generate_customers(DEMO_DATASET_ROWS, seed=0).to_csv(index=False).encode()
        dataset, _ = dataset_create_from_upload(
            owner=analyst,
            uploaded_file=ContentFile(content, name="demo_customers.csv"),
            name="Demo customers",
        )
        return dataset

    def _publish_demo_segmentation(self, dataset: Dataset) -> ClusteringRun | None:
        """K-Means (k=5) of the demo dataset, run inline (no worker needed yet) and published,
        when nothing is published yet."""
        if ClusteringRun.objects.filter(is_published=True).exists():
            return None
        try:
            return run_execute_inline(
                dataset=dataset,
                user=dataset.owner,
                algorithm=ClusteringRun.Algorithm.KMEANS,
                parameters={"n_clusters": DEMO_SEGMENTS},
                features=profile_features(schema=dataset.schema),
                publish_on_success=True,
            )
        except ValidationError as exc:
            self.stderr.write(f"The demo segmentation failed: {' '.join(exc.messages)}")
            return None
