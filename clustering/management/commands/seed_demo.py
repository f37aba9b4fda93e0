"""`make run` on an empty database: demo accounts so a newcomer can log in at once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed on purpose: local demo accounts only
DEMO_ACCOUNTS = (("admin", "admin"), ("analyst", "analyst"), ("user", "user"))


class Command(BaseCommand):
    help = "Create demo accounts (admin, analyst, user) when the database has no users."

    def handle(self, *args, **options) -> None:
        user_model = get_user_model()
        if user_model.objects.exists():
            self.stdout.write("Database already has users: demo data left as it is.")
            return
        for username, role in DEMO_ACCOUNTS:
            user_model.objects.create_user(
                username=username,
                email=f"{username}@demo.local",
                password=DEMO_PASSWORD,
                role=role,
                is_staff=role == "admin",
                is_superuser=role == "admin",
            )
        names = ", ".join(name for name, _ in DEMO_ACCOUNTS)
        self.stdout.write(f"Demo logins: {names} (password: {DEMO_PASSWORD})")
