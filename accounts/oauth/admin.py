"""Back office for OAuth applications (DOT registers the token models itself)."""

from oauth2_provider.admin import ApplicationAdmin as DotApplicationAdmin


class ApplicationAdmin(DotApplicationAdmin):
    """DOT's admin, without "view on site" (DOT's own application pages are not mounted)."""

    view_on_site = False
    list_display = ("pk", "name", "user", "client_type", "authorization_grant_type", "created")
