"""Back office for users and API keys. Bulk actions call the same services as the JSON admin
API, so an admin can neither deactivate nor demote nor delete themselves here either."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import QuerySet
from django.http import HttpRequest

from config.errors import DomainError

from . import services
from .models import ApiKey, User


class _SelfProtectedChangeForm(UserChangeForm):
    """The change form refuses, for one's own account, the changes the services refuse."""

    actor: User | None = None

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.actor is not None and self.instance.pk == self.actor.pk:
            if cleaned.get("is_active") is False:
                raise forms.ValidationError("Admins cannot deactivate themselves.")
            if cleaned.get("role") and cleaned["role"] != self.instance.role:
                raise forms.ValidationError("Admins cannot change their own role.")
        return cleaned


class _CreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "role")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = _SelfProtectedChangeForm
    add_form = _CreationForm
    list_display = ["username", "email", "full_name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "email", "full_name"]
    ordering = ["id"]
    readonly_fields = ["created_at", "updated_at", "last_login", "date_joined", "token_version"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("full_name", "email")}),
        ("Role and status", {"fields": ("role", "is_active", "is_staff", "is_superuser")}),
        ("Django permissions", {"classes": ("collapse",), "fields": ("groups",)}),
        (
            "Dates",
            {"fields": ("last_login", "date_joined", "created_at", "updated_at", "token_version")},
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "role", "password1", "password2"),
            },
        ),
    )
    actions = ["activate", "deactivate", "make_user", "make_analyst", "make_admin"]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form.actor = request.user
        return form

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.pk == request.user.pk:
            return False  # never one's own account (bulk deletes including it are refused too)
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_delete_by_admin(actor=request.user, user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_delete_by_admin(actor=request.user, user=user)

    def _apply(self, request: HttpRequest, queryset: QuerySet[User], change, done: str) -> None:
        changed, refused = 0, []
        for user in queryset:
            try:
                change(user)
                changed += 1
            except DomainError as exc:  # the services' refusals, e.g. acting on oneself
                refused.append(f"{user.username}: {exc.message}")
        if changed:
            self.message_user(request, f"{changed} user(s) {done}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[User], active: bool) -> None:
        self._apply(
            request,
            queryset,
            lambda u: services.user_active_set(actor=request.user, user=u, active=active),
            "activated" if active else "deactivated",
        )

    @admin.action(description="Activate selected users")
    def activate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, True)

    @admin.action(description="Deactivate selected users (their tokens and keys stop at once)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, False)

    def _make(self, request: HttpRequest, queryset: QuerySet[User], role: str) -> None:
        self._apply(
            request,
            queryset,
            lambda u: services.user_role_set(actor=request.user, user=u, role=role),
            f"now have the role {role}",
        )

    @admin.action(description="Change role to user")
    def make_user(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._make(request, queryset, User.Role.USER)

    @admin.action(description="Change role to analyst")
    def make_analyst(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._make(request, queryset, User.Role.ANALYST)

    @admin.action(description="Change role to admin")
    def make_admin(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._make(request, queryset, User.Role.ADMIN)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created by their owners; the back office can only see and revoke them."""

    list_display = [
        "name",
        "owner",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "owner__username", "owner__email"]
    readonly_fields = [
        "owner", "name", "prefix", "key_hash", "scopes", "created_at", "last_used_at",
        "expires_at", "revoked_at",
    ]  # fmt: skip
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            services.api_key_revoke(key=key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.", messages.SUCCESS)
