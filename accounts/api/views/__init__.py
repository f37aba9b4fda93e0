"""Views of the accounts API, one module per area (auth, own account, admin, API keys, system)."""
