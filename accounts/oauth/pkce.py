"""PKCE policy: required for public clients, optional for confidential ones (DOT `PKCE_REQUIRED`).

Imported by the settings, so the model is imported inside the function."""


def pkce_required(client_id: str) -> bool:
    """True unless the client is a registered confidential one, which proves itself with its
    secret. An unknown client gets True, so the request fails on the strict path."""
    from oauth2_provider.models import get_application_model

    application_model = get_application_model()
    client_type = (
        application_model.objects.filter(client_id=client_id)
        .values_list("client_type", flat=True)
        .first()
    )
    return client_type != application_model.CLIENT_CONFIDENTIAL
