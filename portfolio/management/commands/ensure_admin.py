import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".admin-credentials"


class Command(BaseCommand):
    help = (
        "Make sure an admin account exists. Uses DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD "
        "when set; otherwise creates 'admin' with a random password, printed once and saved to .admin-credentials."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
        if User.objects.filter(username=username).exists():
            hint = (
                f"see {CREDENTIALS_FILE.name}" if CREDENTIALS_FILE.exists() and not password else "password unchanged"
            )
            self.stdout.write(f"Admin account '{username}' already exists ({hint}).")
            return
        generated = not password
        if generated:
            password = secrets.token_urlsafe(18)
        User.objects.create_superuser(username=username, email=email, password=password)
        if generated:
            CREDENTIALS_FILE.write_text(f"username: {username}\npassword: {password}\n", encoding="utf-8")
            CREDENTIALS_FILE.chmod(0o600)
            self.stdout.write(
                self.style.WARNING(
                    f"Created admin '{username}' with password: {password}\n"
                    f"(shown once; also saved to {CREDENTIALS_FILE.name}, which git ignores)"
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Created admin '{username}' from DJANGO_SUPERUSER_* variables."))
