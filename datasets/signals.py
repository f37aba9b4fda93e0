"""Signals other apps listen to, so datasets never imports them."""

from django.dispatch import Signal

# Sent by `workspace_reset(user=...)` after the user's current dataset was cleared: apps that keep
# per-user analysis state for document 000's workspace (e.g. the last clustering) clear theirs.
workspace_was_reset = Signal()  # kwargs: user

# Sent once a new dataset (an upload, or a customer table derived from a purchase log) is
# committed, with `dataset=<Dataset>`: clustering measures its drift against the published run.
dataset_uploaded = Signal()  # kwargs: dataset
