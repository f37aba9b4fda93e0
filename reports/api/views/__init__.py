"""The reports API views, one module per contract: `external` (document 003), `workspace`
(document 000), `canonical` (`/api/v1/`), and `common` for what they share."""
