"""Small Django-free helpers shared by the pure cores (`clustering/engine/`, `datasets/ingest/`)
and the web layer. Imports numpy and pandas only, never Django or one of our apps."""
