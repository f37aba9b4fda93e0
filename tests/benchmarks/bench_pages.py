"""Server time of each main page on a 1,000,000-row dataset, against the same pages on a
10,000-row one: pages must not grow with the data (charts are sampled, lists paginated, reports
cached). Each page is timed cold (first view: caches empty) and warm (median of `--repeat`).

Runs in a throwaway test database (created and destroyed here), with Django's test client, so
only server time is measured (no network, no browser). Uploads and clustering go through the
real services, clustering inline (`run_execute_inline` is refused above SYNC_CLUSTER_MAX_ROWS,
so the big run uses `run_create(enqueue=False)` + `run_execute`, the documented benchmark path).

    python -m tests.benchmarks.bench_pages --rows 1000000
"""

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

GOAL_WARM_MS = 500  # a warm page answers within half a second at 1M rows
PAGES = (
    "dashboard",
    "dataset list",
    "dataset detail",
    "choose k",
    "run detail",
    "segments: cluster",
    "segments: region",
    "segments: clv",
    "customer look-up",
    "predict (form)",
    "predict (post)",
    "exports",
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="rows of the big dataset")
    p.add_argument("--small-rows", type=int, default=10_000, help="rows of the reference")
    p.add_argument("--repeat", type=int, default=5, help="warm views per page (median)")
    p.add_argument("--k", type=int, default=5)
    return p


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def _world(rows: int, *, k: int, owner: Any) -> dict[str, Any]:
    """A dataset of `rows` generated customers, a finished published run of it, and the names
    the pages need; prints how long each setup step took."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clustering.features import profile_features
    from clustering.services import run_create, run_execute, run_publish
    from datasets.demo import generate_customers
    from datasets.services import dataset_create_from_upload

    frame = generate_customers(rows, seed=1)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    upload = SimpleUploadedFile("bench.csv", buffer.getvalue().encode(), content_type="text/csv")
    ms, (dataset, _) = _timed(
        lambda: dataset_create_from_upload(owner=owner, uploaded_file=upload, name=f"{rows} rows")
    )
    print(f"  setup {rows:>9,} rows: upload {ms / 1000:6.1f} s", end="", flush=True)
    run = run_create(
        dataset=dataset,
        user=owner,
        algorithm="kmeans",
        parameters={"n_clusters": k},
        features=profile_features(schema=dataset.schema),  # what predictions are asked for
        enqueue=False,
    )
    ms, _ = _timed(lambda: run_execute(run_id=run.pk))
    run.refresh_from_db()
    if run.status != "succeeded":
        raise SystemExit(f"The benchmark run ended {run.status}: {run.error}")
    run_publish(run=run, user=owner)
    print(f", clustering {ms / 1000:6.1f} s")
    return {
        "dataset": dataset,
        "run": run,
        "customer_id": str(frame["customer_id"].iloc[rows // 2]),
        "predict": {
            "sex": "Female",
            "age": 35,
            "annual_income": 60,
            "spending_score": 50,
            "purchase_frequency": 12,
        },
    }


def _requests(world: dict[str, Any]) -> dict[str, tuple[str, str, dict | None]]:
    from django.urls import reverse

    dataset, run = world["dataset"], world["run"]
    segments = reverse("pages:segments")
    return {
        "dashboard": ("get", reverse("pages:dashboard"), None),
        "dataset list": ("get", reverse("pages:dataset-list"), None),
        "dataset detail": ("get", reverse("pages:dataset-detail", args=[dataset.pk]), None),
        "choose k": ("get", reverse("pages:dataset-choose-k", args=[dataset.pk]), None),
        "run detail": ("get", reverse("pages:run-detail", args=[run.pk]), None),
        "segments: cluster": ("get", segments + "?type=cluster", None),
        "segments: region": ("get", segments + "?type=region", None),
        "segments: clv": ("get", segments + "?type=clv", None),
        "customer look-up": (
            "get",
            reverse("pages:customer-lookup") + f"?customer_id={world['customer_id']}",
            None,
        ),
        "predict (form)": ("get", reverse("pages:predict"), None),
        "predict (post)": ("post", reverse("pages:predict"), world["predict"]),
        "exports": ("get", reverse("pages:export-list"), None),
    }


def _measure(client: Any, world: dict[str, Any], *, repeat: int) -> dict[str, tuple[float, float]]:
    """{page: (cold ms, warm median ms)}; any answer but 200 stops the benchmark."""
    from django.core.cache import cache

    cache.clear()
    results = {}
    for name, (method, url, data) in _requests(world).items():

        def view(name=name, method=method, url=url, data=data):
            response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code} from {url}")
            return response

        cold, _ = _timed(view)
        warm = statistics.median(_timed(view)[0] for _ in range(repeat))
        results[name] = (cold, warm)
    return results


def main(argv: list[str] | None = None) -> int:
    args, _ = parser().parse_known_args(argv)  # the runner may pass other modules' flags too
    _setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        owner = User.objects.create_user(
            username="bench-pages", email="bench-pages@example.com", password="x", role="analyst"
        )
        client = Client()
        client.force_login(owner)
        print(f"Pages benchmark: {args.small_rows:,} vs {args.rows:,} rows")
        small = _measure(client, _world(args.small_rows, k=args.k, owner=owner), repeat=args.repeat)
        big = _measure(client, _world(args.rows, k=args.k, owner=owner), repeat=args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    big_label, small_label = f"{args.rows:,}", f"{args.small_rows:,}"
    print(f"\n{'page':<20} {'cold ms':>10} {'warm ms':>10} {'warm ms':>10} {'ratio':>7}")
    print(f"{'rows':<20} {big_label:>10} {big_label:>10} {small_label:>10} {'big/sm':>7}")
    slow = []
    for name in PAGES:
        cold, warm = big[name]
        ratio = warm / max(small[name][1], 0.01)
        print(f"{name:<20} {cold:>10.1f} {warm:>10.1f} {small[name][1]:>10.1f} {ratio:>7.2f}")
        if warm > GOAL_WARM_MS:
            slow.append(name)
    if slow:
        print(f"\nAbove the {GOAL_WARM_MS} ms goal when warm: {', '.join(slow)}")
        return 1
    print(f"\nEvery page answers warm within {GOAL_WARM_MS} ms at {args.rows:,} rows.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
