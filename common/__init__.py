"""Small Django-free helpers shared by the pure cores (`clustering/engine/`, `datasets/ingest/`)
and the web layer: the JSON-safe converter, and the storage root of data files (`storage.py`,
on fsspec). Imports numpy, pandas and fsspec only, never Django or one of our apps."""
