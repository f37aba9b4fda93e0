"""The engine's own errors. Callers translate them; the engine never answers HTTP."""


class EngineInputError(ValueError):
    """The data or parameters cannot be clustered; ``str(exc)`` is a sentence for the user."""


class EngineCancelled(Exception):
    """The caller's ``should_cancel()`` returned True between two stages; nothing was produced."""
