"""Views of the profiles API, one module per contract: `backend.py` (document 004),
`external.py` (003) and `canonical.py` (`/api/v1/`); `common.py` holds what they share."""
