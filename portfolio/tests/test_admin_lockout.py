"""Admin brute-force protection (django-axes): lockout per username and address, refused before hashing."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.urls import reverse

from portfolio.tests.test_operations import PRODUCTION, run_django

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
ATTACKER = "203.0.113.5"


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting every hash it computes (checking a password or hashing a dummy one)."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture
def owner(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return User.objects.create_superuser("owner", "owner@example.com", PASSWORD)


def sign_in(client, password, username="owner", address=ATTACKER):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def signed_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_repeated_wrong_passwords_lock_that_username_out_from_that_address(client, owner):
    assert [sign_in(client, "wrong").status_code for _ in range(2)] == [200, 200]
    locked = sign_in(client, "wrong")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Sign-in paused" in html and "Too many wrong passwords" in html and "15 minutes" in html
    # The right password no longer helps from there: the finding was 50 guesses, then the right one worked.
    assert sign_in(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_holds_one_username_at_one_address_only(client, owner):
    User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    for _ in range(3):
        sign_in(client, "wrong")
    assert signed_in(sign_in(client, PASSWORD, address="198.51.100.9"))
    client.logout()
    assert signed_in(sign_in(client, PASSWORD, username="editor"))


def test_no_password_is_hashed_while_locked_out(client, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    settings.AXES_FAILURE_LIMIT = 3
    User.objects.create_superuser("owner", "owner@example.com", PASSWORD)
    CountingHasher.calls = 0
    for _ in range(3):
        sign_in(client, "wrong")
    assert CountingHasher.calls == 3  # each failure before the lockout costs one hash
    CountingHasher.calls = 0
    responses = [sign_in(client, guess) for guess in ["wrong", PASSWORD, "another guess"] * 10]
    assert {response.status_code for response in responses} == {429}
    assert CountingHasher.calls == 0


def test_an_unknown_username_is_locked_out_too_without_hashing(client, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(client, "wrong", username="root")
    CountingHasher.calls = 0
    assert sign_in(client, "wrong", username="root").status_code == 429
    assert CountingHasher.calls == 0


def test_the_lockout_ends_after_the_cool_off(client, owner):
    for _ in range(3):
        sign_in(client, "wrong")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert signed_in(sign_in(client, PASSWORD))


def test_a_successful_sign_in_forgets_earlier_failures(client, owner):
    for _ in range(2):
        sign_in(client, "wrong")
    assert signed_in(sign_in(client, PASSWORD))
    client.logout()
    for _ in range(2):
        assert sign_in(client, "wrong").status_code == 200


def test_lockouts_are_listed_in_the_admin_without_the_password(client, owner, admin_client):
    for _ in range(3):
        sign_in(client, "hunter2-guess")
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "owner" in html and ATTACKER in html
    assert "hunter2-guess" not in AccessAttempt.objects.get().post_data


def test_the_lockout_counts_the_client_behind_our_proxy(client, owner, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    for _ in range(3):
        client.post(
            reverse("admin:login"),
            {"username": "owner", "password": "wrong"},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR=ATTACKER,
        )
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    # Someone else behind the same proxy is not locked out.
    response = client.post(
        reverse("admin:login"),
        {"username": "owner", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert signed_in(response)


def test_the_admin_path_comes_from_the_environment():
    code = (
        "from django.urls import reverse, resolve, Resolver404\n"
        "try:\n    resolve('/admin/'); old = 'still there'\nexcept Resolver404:\n    old = 'gone'\n"
        "print(reverse('admin:index'), old)"
    )
    moved = run_django(code, **PRODUCTION, DJANGO_ADMIN_PATH="/backstage-7f3a/")
    assert moved.stdout.split() == ["/backstage-7f3a/", "gone"], moved.stderr
    default = run_django(code, **PRODUCTION)
    assert default.stdout.split() == ["/admin/", "still", "there"], default.stderr


def test_robots_txt_does_not_reveal_where_the_admin_is(client):
    # The admin's own pages carry noindex; naming a moved admin path in robots.txt would give it away.
    assert reverse("admin:index") not in client.get("/robots.txt").content.decode()


def test_sign_ins_without_a_request_still_work_for_tests_and_shells(client, owner):
    assert client.login(username="owner", password=PASSWORD)


def test_an_address_rotating_usernames_is_locked_out_too_without_hashing(client, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    settings.AXES_FAILURE_LIMIT = 3
    settings.ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT = 5
    User.objects.create_superuser("owner", "owner@example.com", PASSWORD)
    for name in ("root", "admin", "test", "user", "guest"):
        assert sign_in(client, "wrong", username=name).status_code == 200
    CountingHasher.calls = 0
    assert sign_in(client, "wrong", username="oracle").status_code == 429
    assert sign_in(client, PASSWORD).status_code == 429
    assert CountingHasher.calls == 0
    # The owner elsewhere is unaffected.
    assert signed_in(sign_in(client, PASSWORD, address="198.51.100.9"))
