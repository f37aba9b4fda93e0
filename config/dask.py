"""How Dask computes for the service: on the cluster at DASK_SCHEDULER_ADDRESS when one is set,
else with Dask's local threads scheduler in the calling process (the embedded default)."""

from typing import Any

import dask
from django.conf import settings

from config.errors import ServiceUnavailable


def dask_compute(collections: list[Any]) -> list[Any]:
    """Compute the Dask collections together and return their values in order. Workers of a
    cluster read the data by its storage URL (`config.storage.data_storage().url`)."""
    address = str(getattr(settings, "DASK_SCHEDULER_ADDRESS", "") or "").strip()
    if not address:
        return list(dask.compute(*collections, scheduler="threads"))
    from distributed import Client  # only with a cluster: importing it starts nothing

    try:
        client = Client(
            address, set_as_default=False, timeout=f"{settings.DASK_CONNECT_TIMEOUT_S}s"
        )
    except OSError as exc:
        raise ServiceUnavailable(
            f"The Dask cluster cannot be reached right now ({exc}); try again in a minute."
        ) from exc
    with client:
        return list(client.gather(client.compute(list(collections))))
