"""Views of the datasets API, one module per contract: `canonical.py` (`/api/v1/datasets/`),
`v1.py` (document 002) and `workspace.py` (000); `common.py` holds the upload path they share."""
