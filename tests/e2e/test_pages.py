"""Server-side tests of the pages with Django's test client: who may open what, forms and their
errors, escaping, the plotly asset. Fast; the browser tests cover what needs JavaScript."""

import gzip

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from config.pages.assets import PLOTLY_VERSION
from tests.e2e.data import PROFILE_FEATURES, dataset_upload, demo_csv, succeeded_run
from tests.factories import DEFAULT_PASSWORD, AnalystFactory, CustomerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

ANALYST_PAGES = [
    ("pages:dataset-list", {}),
    ("pages:dataset-detail", {"pk": 1}),
    ("pages:dataset-choose-k", {"pk": 1}),
    ("pages:run-create", {"dataset_pk": 1}),
    ("pages:run-detail", {"pk": 1}),
    ("pages:run-progress", {"pk": 1}),
    ("pages:export-list", {}),
]


@pytest.fixture
def analyst_browser(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def user_browser(client, user):
    client.force_login(user)
    return client


def test_login_page_logs_in_with_username_and_password(client, user):
    page = client.get("/login/")
    assert page.status_code == 200
    assert b"csrfmiddlewaretoken" in page.content

    response = client.post("/login/", {"username": user.username, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_page_says_why_when_password_is_wrong(client, user):
    response = client.post("/login/", {"username": user.username, "password": "wrong-password"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session_on_post(user_browser):
    response = user_browser.post("/logout/")

    assert response.status_code == 302
    assert user_browser.get("/").status_code == 302


def test_dashboard_redirects_anonymous_visitor_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/")


@pytest.mark.parametrize(("name", "kwargs"), ANALYST_PAGES)
def test_analyst_page_is_403_for_plain_user(user_browser, name, kwargs):
    assert user_browser.get(reverse(name, kwargs=kwargs)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), ANALYST_PAGES)
def test_analyst_page_redirects_anonymous_visitor_to_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_navigation_shows_only_what_the_role_may_do(client, user, analyst):
    client.force_login(user)
    plain = client.get("/").content.decode()
    client.force_login(analyst)
    analyst_page = client.get("/").content.decode()

    assert reverse("pages:dataset-list") not in plain
    assert reverse("pages:export-list") not in plain
    assert reverse("pages:predict") in plain
    assert reverse("pages:dataset-list") in analyst_page
    assert reverse("pages:export-list") in analyst_page


def test_dashboard_queries_do_not_grow_with_recent_runs(analyst_browser, analyst):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dataset = dataset_upload(analyst, demo_csv(60))
    succeeded_run(dataset, analyst, k=2)
    with CaptureQueriesContext(connection) as one_run:
        assert analyst_browser.get("/").status_code == 200
    for _ in range(3):
        succeeded_run(dataset, analyst, k=2)
    with CaptureQueriesContext(connection) as four_runs:
        page = analyst_browser.get("/")

    assert page.content.decode().count(dataset.name) >= 4
    assert len(four_runs) == len(one_run)


def test_dataset_of_another_analyst_is_404(analyst_browser):
    other = dataset_upload(AnalystFactory(), demo_csv(40))

    assert analyst_browser.get(reverse("pages:dataset-detail", args=[other.pk])).status_code == 404


def test_upload_by_xhr_answers_json_with_the_server_error(analyst_browser):
    response = analyst_browser.post(
        reverse("pages:dataset-list"),
        {"file": _file(b"", "empty.csv")},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )

    assert 400 <= response.status_code < 500
    errors = response.json()["errors"]
    assert any(messages for messages in errors.values())


def test_upload_by_xhr_answers_the_dataset_page_to_go_to(analyst_browser, analyst):
    response = analyst_browser.post(
        reverse("pages:dataset-list"),
        {"file": _file(demo_csv(50), "shop.csv"), "name": "Shop"},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )

    assert response.status_code == 201
    dataset = analyst.datasets.get()
    assert response.json() == {"redirect": reverse("pages:dataset-detail", args=[dataset.pk])}
    assert dataset.name == "Shop"


def test_upload_without_file_shows_the_error_next_to_the_form(analyst_browser):
    response = analyst_browser.post(reverse("pages:dataset-list"), {})

    assert response.status_code == 400
    assert b"This field is required." in response.content


def test_dataset_detail_shows_column_named_script_as_text(analyst_browser, analyst):
    content = b"customer_id,<script>alert(1)</script>,age\n1,5,30\n2,6,40\n3,7,50\n4,8,20\n"
    dataset = dataset_upload(analyst, content)

    page = analyst_browser.get(reverse("pages:dataset-detail", args=[dataset.pk])).content

    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_dataset_detail_lists_statistics_of_a_column_named_columns(analyst_browser, analyst):
    content = b"customer_id,columns,age\n" + b"".join(
        f"{i},{i % 7},{20 + i}\n".encode() for i in range(30)
    )
    dataset = dataset_upload(analyst, content)

    page = analyst_browser.get(reverse("pages:dataset-detail", args=[dataset.pk]))

    names = sorted(name for name, _ in page.context["statistics"]["rows"])  # jsonb sorts keys
    assert names == sorted(column["name"] for column in dataset.schema)
    assert "mean" in page.context["statistics"]["headers"]


def test_column_roles_form_saves_the_roles(analyst_browser, analyst):
    dataset = dataset_upload(analyst, demo_csv(40))
    names = [column["name"] for column in dataset.schema]
    data = {f"role_{i}": "" for i in range(len(names))}
    data[f"role_{names.index('age')}"] = "age"

    response = analyst_browser.post(reverse("pages:dataset-detail", args=[dataset.pk]), data)

    assert response.status_code == 302
    dataset.refresh_from_db()
    roles = {column["name"]: column.get("role") for column in dataset.schema}
    assert roles["age"] == "age"
    assert roles["annual_income"] is None


def test_run_form_rejects_k_out_of_range_with_message(analyst_browser, analyst):
    dataset = dataset_upload(analyst, demo_csv(40))

    response = analyst_browser.post(
        reverse("pages:run-create", args=[dataset.pk]),
        {"algorithm": "kmeans", "n_clusters": 99, "features": ["age"], "linkage": "ward"},
    )

    assert response.status_code == 400
    assert b"Ensure this value is less than or equal to" in response.content
    assert not dataset.runs.exists()


def test_run_form_needs_a_feature(analyst_browser, analyst):
    dataset = dataset_upload(analyst, demo_csv(40))

    response = analyst_browser.post(
        reverse("pages:run-create", args=[dataset.pk]),
        {"algorithm": "kmeans", "n_clusters": 3, "linkage": "ward"},
    )

    assert response.status_code == 400
    assert b"This field is required." in response.content


def test_run_detail_shows_cluster_cards_and_metrics(analyst_browser, analyst):
    run = succeeded_run(dataset_upload(analyst, demo_csv(200)), analyst, k=3)

    page = analyst_browser.get(reverse("pages:run-detail", args=[run.pk])).content.decode()

    for cluster in run.clusters.all():
        assert cluster.name in page
    assert "Silhouette" in page
    assert "Publish this segmentation" in page
    assert 'id="chart-sizes"' in page


def test_run_progress_answers_status_as_json(analyst_browser, analyst):
    run = succeeded_run(dataset_upload(analyst, demo_csv(100)), analyst, k=3)

    answer = analyst_browser.get(reverse("pages:run-progress", args=[run.pk])).json()

    assert answer["status"] == "succeeded"
    assert answer["finished"] is True


def test_run_of_another_analyst_is_404(analyst_browser):
    other = AnalystFactory()
    run = succeeded_run(dataset_upload(other, demo_csv(60)), other, k=2)

    assert analyst_browser.get(reverse("pages:run-detail", args=[run.pk])).status_code == 404
    assert analyst_browser.post(reverse("pages:run-publish", args=[run.pk])).status_code == 404


def test_publish_button_publishes_the_run(analyst_browser, analyst):
    run = succeeded_run(dataset_upload(analyst, demo_csv(100)), analyst, k=3)

    response = analyst_browser.post(reverse("pages:run-publish", args=[run.pk]), follow=True)

    run.refresh_from_db()
    assert run.is_published
    assert b"is now the published segmentation" in response.content


def test_segment_explorer_without_published_run_says_so(user_browser):
    page = user_browser.get(reverse("pages:segments"))

    assert page.status_code == 200
    assert b"No segmentation is published yet." in page.content


def test_segment_explorer_tab_the_data_cannot_give_says_why(user_browser, analyst):
    no_region = b"a,b\n" + b"".join(f"{i},{i * 7 % 5}\n".encode() for i in range(12))
    succeeded_run(dataset_upload(analyst, no_region), analyst, k=2, publish=True)

    page = user_browser.get(reverse("pages:segments") + "?type=region")

    assert page.status_code == 200
    reason = page.context["unavailable"]
    assert "region" in reason.lower()
    assert escape(reason) in page.content.decode()
    assert b"segment-table" not in page.content


def test_predict_without_published_run_says_so(user_browser):
    page = user_browser.get(reverse("pages:predict"))

    assert b"No segmentation is published yet" in page.content


def test_profile_of_another_user_is_404(user_browser):
    profile = CustomerProfileFactory(owner=UserFactory())

    assert user_browser.get(reverse("pages:profile-edit", args=[profile.pk])).status_code == 404
    assert user_browser.post(reverse("pages:profile-delete", args=[profile.pk])).status_code == 404


def test_profile_form_rejects_age_below_18_with_message(user_browser, user, analyst):
    dataset = dataset_upload(analyst, demo_csv(200))
    succeeded_run(dataset, analyst, k=3, publish=True, features=PROFILE_FEATURES)

    response = user_browser.post(
        reverse("pages:profile-create"),
        {
            "name": "Young",
            "sex": "Female",
            "age": 12,
            "annual_income": 30,
            "spending_score": 50,
            "purchase_frequency": 4,
        },
    )

    assert response.status_code == 400
    assert b"Age must be a whole number between 18 and 100." in response.content
    assert not user.customer_profiles.exists()


def test_profile_delete_removes_it_after_confirmation(user_browser, user):
    profile = CustomerProfileFactory(owner=user)

    assert user_browser.get(reverse("pages:profile-delete", args=[profile.pk])).status_code == 200
    response = user_browser.post(reverse("pages:profile-delete", args=[profile.pk]))

    assert response.status_code == 302
    assert not user.customer_profiles.exists()


def test_plotly_js_is_served_gzipped_with_long_cache(client):
    url = reverse("pages:plotly-js", kwargs={"version": PLOTLY_VERSION})

    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response["Cache-Control"]
    assert b"plotly" in gzip.decompress(response.content)[:2000].lower()


def test_plotly_js_of_another_version_is_404(client):
    assert client.get(reverse("pages:plotly-js", kwargs={"version": "0.0.1"})).status_code == 404


def _file(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_choose_k_page_recommends_a_k_and_links_the_run_form(analyst_browser, analyst):
    dataset = dataset_upload(analyst, demo_csv(200))

    page = analyst_browser.get(reverse("pages:dataset-choose-k", args=[dataset.pk]))

    assert page.status_code == 200
    k = page.context["sweep"]["optimal_k"]
    assert f"Recommended: k = {k}" in page.content.decode()
    assert f"{reverse('pages:run-create', args=[dataset.pk])}?k={k}" in page.content.decode()


def test_run_form_queues_the_run_and_opens_its_page(analyst_browser, analyst):
    dataset = dataset_upload(analyst, demo_csv(60))

    response = analyst_browser.post(
        reverse("pages:run-create", args=[dataset.pk]),
        {
            "algorithm": "hierarchical",
            "n_clusters": 3,
            "linkage": "average",
            "features": ["age", "annual_income"],
            "normalize": "on",
        },
    )

    run = dataset.runs.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pages:run-detail", args=[run.pk])
    assert run.status == "queued"
    assert run.parameters["linkage"] == "average"
    assert run.features == ["age", "annual_income"]


@pytest.mark.parametrize("chosen", ["none", "auto"])
def test_run_form_passes_the_heavy_tail_choice_on(analyst_browser, analyst, chosen):
    dataset = dataset_upload(analyst, demo_csv(60))

    response = analyst_browser.post(
        reverse("pages:run-create", args=[dataset.pk]),
        {
            "algorithm": "kmeans",
            "n_clusters": 3,
            "linkage": "ward",
            "features": ["age", "annual_income"],
            "feature_transform": chosen,
        },
    )

    assert response.status_code == 302
    assert dataset.runs.get().parameters["feature_transform"] == chosen


def test_run_form_refuses_an_unknown_heavy_tail_choice(analyst_browser, analyst):
    dataset = dataset_upload(analyst, demo_csv(60))
    form = analyst_browser.get(reverse("pages:run-create", args=[dataset.pk])).content.decode()
    assert "Log-scale them first (recommended)" in form

    response = analyst_browser.post(
        reverse("pages:run-create", args=[dataset.pk]),
        {"algorithm": "kmeans", "n_clusters": 3, "linkage": "ward", "features": ["age"],
         "feature_transform": "sqrt"},
    )  # fmt: skip

    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert not dataset.runs.exists()


def test_hierarchical_run_page_shows_its_dendrogram(analyst_browser, analyst):
    dataset = dataset_upload(analyst, demo_csv(80))
    run = succeeded_run(dataset, analyst, k=3, algorithm="hierarchical", linkage="ward")
    url = reverse("pages:run-dendrogram", args=[run.pk])

    page = analyst_browser.get(reverse("pages:run-detail", args=[run.pk])).content.decode()
    image = analyst_browser.get(url)

    assert url in page
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")


def test_kmeans_run_has_no_dendrogram(analyst_browser, analyst):
    run = succeeded_run(dataset_upload(analyst, demo_csv(60)), analyst, k=2)

    assert analyst_browser.get(reverse("pages:run-dendrogram", args=[run.pk])).status_code == 404


def test_cancel_of_a_finished_run_says_why(analyst_browser, analyst):
    run = succeeded_run(dataset_upload(analyst, demo_csv(60)), analyst, k=2)

    response = analyst_browser.post(reverse("pages:run-cancel", args=[run.pk]), follow=True)

    assert b"there is nothing to cancel" in response.content


def test_export_from_run_page_is_listed_and_downloads(analyst_browser, analyst):
    run = succeeded_run(dataset_upload(analyst, demo_csv(60)), analyst, k=2)

    listing = analyst_browser.post(
        reverse("pages:run-export", args=[run.pk]), {"format": "csv"}, follow=True
    )
    export = analyst.exports.get()
    download = analyst_browser.get(reverse("pages:export-download", args=[export.pk]))

    assert reverse("pages:export-download", args=[export.pk]) in listing.content.decode()
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode()
    assert body.splitlines()[0].startswith("customer_id,")
    assert len(body.splitlines()) == 61


def test_export_of_another_analyst_is_404(analyst_browser):
    other = AnalystFactory()
    run = succeeded_run(dataset_upload(other, demo_csv(60)), other, k=2)
    client_of_other = Client()
    client_of_other.force_login(other)
    client_of_other.post(reverse("pages:run-export", args=[run.pk]), {"format": "csv"})
    export = other.exports.get()

    response = analyst_browser.get(reverse("pages:export-download", args=[export.pk]))

    assert response.status_code == 404


def test_customer_lookup_shows_the_customer_segments(user_browser, analyst):
    dataset = dataset_upload(analyst, demo_csv(120))
    succeeded_run(dataset, analyst, k=3, publish=True)
    customer = dataset.customers.order_by("row_number")[7]

    page = user_browser.get(reverse("pages:customer-lookup"), {"customer_id": customer.external_id})

    assert page.status_code == 200
    text = page.content.decode()
    assert f"Customer {customer.external_id}" in text
    assert "Age group" in text
    assert "Churn risk" in text


def test_customer_lookup_of_unknown_id_says_so_next_to_the_form(user_browser, analyst):
    succeeded_run(dataset_upload(analyst, demo_csv(60)), analyst, k=2, publish=True)

    page = user_browser.get(reverse("pages:customer-lookup"), {"customer_id": "nobody-42"})

    assert page.status_code == 404
    assert b"is not in the published segmentation" in page.content


# A valid form of the predict page; a test about one field changes only that field.
PREDICT_CUSTOMER = {
    "sex": "Male",
    "age": 40,
    "annual_income": 70,
    "spending_score": 40,
    "purchase_frequency": 10,
}


def test_predict_page_answers_with_confidence_and_records_history(user_browser, user, analyst):
    dataset = dataset_upload(analyst, demo_csv(200))
    succeeded_run(dataset, analyst, k=3, publish=True, features=PROFILE_FEATURES)

    page = user_browser.post(reverse("pages:predict"), PREDICT_CUSTOMER)

    assert page.status_code == 200
    prediction = user.predictions.get()
    assert b"This customer belongs to" in page.content
    assert f"{prediction.confidence:.0f}%</strong> confidence".encode() in page.content
    assert prediction.cluster_name.encode() in page.content


def test_predict_page_puts_the_service_error_next_to_the_field(user_browser, analyst):
    dataset = dataset_upload(analyst, demo_csv(200))
    succeeded_run(dataset, analyst, k=3, publish=True, features=PROFILE_FEATURES)

    page = user_browser.post(reverse("pages:predict"), {**PREDICT_CUSTOMER, "age": 12})

    assert page.status_code == 400
    assert "between 18 and 100" in " ".join(page.context["form"].errors["age"])


def test_run_metrics_are_named_properly_and_noise_hidden_without_noise():
    from clustering.pages.runs import metric_rows

    explained, _ = metric_rows({"silhouette_score": 0.41, "davies_bouldin": 1.1, "n_noise": 0})
    assert [row["name"] for row in explained] == ["Silhouette", "Davies-Bouldin index"]
    explained, _ = metric_rows({"silhouette": 0.3, "n_noise": 12})
    assert {"name": "Noise customers", "value": "12"} in [
        {"name": r["name"], "value": r["value"]} for r in explained
    ]


def test_export_download_page_refuses_building_and_expired_exports(analyst_browser, analyst):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import ExportFactory

    building = ExportFactory(owner=analyst, run__dataset__owner=analyst)
    response = analyst_browser.get(reverse("pages:export-download", args=[building.pk]))
    assert response.status_code == 409
    assert "still being built" in response.content.decode()

    expired = ExportFactory(
        owner=analyst,
        run=building.run,
        status="ready",
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    response = analyst_browser.get(reverse("pages:export-download", args=[expired.pk]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
