"""Signals the clustering app sends. Receivers live in the apps that react (profiles, reports)."""

from django.dispatch import Signal

# Sent once a run's publication is committed, with `run=<ClusteringRun>`: per-process caches of
# the published model (predictions) and of segment reports reload on it.
run_published = Signal()
