"""The one error the ingest core raises: a sentence the user can act on."""


class IngestError(ValueError):
    """The file cannot be read as a customer table. `str(error)` names the column or problem and
    says what to do; it is safe to show to the user as is."""
