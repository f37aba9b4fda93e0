"""Views of the accounts API, one module per contract: `backend.py` (document 004),
`external.py` (003), `v1.py` (002's root) and `canonical.py` (`/api/v1/`); `common.py` holds the
bases they share."""
