"""Dataset pages: list and upload, detail (templates/datasets/)."""
