"""The Celery app. Tasks carry ids only; their state lives on our own rows."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("segmentation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
