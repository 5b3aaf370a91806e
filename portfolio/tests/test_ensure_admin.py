import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from portfolio.management.commands import ensure_admin

pytestmark = pytest.mark.django_db


def test_the_admin_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "owner")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-chosen-passphrase")
    call_command("ensure_admin", verbosity=0)
    user = get_user_model().objects.get(username="owner")
    assert user.is_superuser and user.check_password("a-long-chosen-passphrase")


def test_without_a_password_a_random_one_is_printed_once_and_saved(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    credentials = tmp_path / ".admin-credentials"
    monkeypatch.setattr(ensure_admin, "CREDENTIALS_FILE", credentials)

    call_command("ensure_admin")
    password = credentials.read_text().split("password: ")[1].strip()
    assert len(password) >= 20
    assert password in capsys.readouterr().out
    assert get_user_model().objects.get(username="admin").check_password(password)

    call_command("ensure_admin")
    assert password not in capsys.readouterr().out
    assert get_user_model().objects.count() == 1
