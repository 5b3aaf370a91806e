"""Nothing is lost when the queue is down, and nothing is sent twice when deliveries overlap."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend

from contact import notifications
from contact.models import BookingRequest, BookingSettings, ContactMessage, TransitionRefused
from contact.notifications import cancel_url
from contact.slots import candidate_slots
from contact.tasks import notify_owner
from contact.tests.factories import booking_data, contact_data, make_booking, make_booking_settings, make_message
from portfolio.tests.factories import make_profile

OWNER = "owner@example.com"


def owner_emails():
    return [message for message in mail.outbox if message.to == [OWNER]]


@pytest.fixture
def queue_down(monkeypatch):
    def refuse(self, task, args, kwargs):
        raise ConnectionError("the task queue is unreachable")

    monkeypatch.setattr(ImmediateBackend, "enqueue", refuse)


@pytest.mark.django_db(transaction=True)  # real commits, so the view's on-commit enqueue runs as in production
@pytest.mark.parametrize("form", ["message", "booking"])
def test_a_queue_outage_keeps_the_submission_and_it_is_emailed_later(client, queue_down, form):
    make_profile()
    if form == "message":
        response = client.post(reverse("contact:contact_form"), contact_data())
        model = ContactMessage
    else:
        make_booking_settings(weekdays=range(7))
        slot = candidate_slots(BookingSettings.load())[0]
        response = client.post(reverse("contact:booking_form"), booking_data(slot.value))
        model = BookingRequest
    assert response.status_code == 302  # the visitor is thanked, not shown an error
    row = model.objects.get()
    assert row.notified_at is None and mail.outbox == []
    call_command("send_pending_notifications")  # the periodic sweep picks it up
    row.refresh_from_db()
    assert row.notified_at is not None and len(owner_emails()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_visitor_cancels_while_the_queue_is_down_and_the_owner_hears_later(client, queue_down):
    make_profile()
    make_booking_settings()
    booking = make_booking(status=BookingRequest.Status.CONFIRMED, notified_at=timezone.now())
    response = client.post(cancel_url(booking).removeprefix("http://127.0.0.1:8000"))
    assert "Your call is cancelled" in response.content.decode()
    assert BookingRequest.objects.get().status == BookingRequest.Status.CANCELLED and mail.outbox == []
    call_command("send_pending_notifications")
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["[Intro call] Cancelled"]


@pytest.mark.django_db
def test_the_worker_task_running_twice_emails_the_owner_once():
    make_profile()
    message = make_message()
    assert notify_owner.call("message", message.pk) == "sent"
    assert notify_owner.call("message", message.pk) == "skipped"
    assert len(owner_emails()) == 1


@pytest.mark.django_db
def test_a_duplicate_task_delivered_long_after_does_not_email_the_owner_again():
    make_profile()
    message = make_message()
    notify_owner.call("message", message.pk)
    ContactMessage.objects.filter(pk=message.pk).update(last_attempt_at=message.created_at - timedelta(days=1))
    assert notify_owner.call("message", message.pk) == "skipped"
    assert len(owner_emails()) == 1


@pytest.mark.django_db
def test_two_workers_reading_the_row_at_once_email_the_owner_once(monkeypatch):
    """The second worker read the row before the first claimed it; its claim must then fail."""
    make_profile()
    message = make_message()
    real_claim = notifications._claim
    rival_ran = []

    def claim_after_a_rival(obj):
        if not rival_ran:
            rival_ran.append(True)
            assert notify_owner.call("message", message.pk) == "sent"  # the rival wins the race
        return real_claim(obj)

    monkeypatch.setattr(notifications, "_claim", claim_after_a_rival)
    assert notify_owner.call("message", message.pk) == "skipped"
    assert len(owner_emails()) == 1


def send_then(during_send, monkeypatch):
    """Make the first email sent run `during_send` while it is still on its way (a slow SMTP server)."""
    real_send = mail.EmailMessage.send
    calls = []

    def slow_send(self, *args, **kwargs):
        calls.append(self.subject)
        if len(calls) == 1:
            during_send()
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", slow_send)


@pytest.mark.django_db
@pytest.mark.parametrize("sweep", [[], ["--now"]])
def test_the_sweep_running_while_the_worker_is_sending_does_not_send_again(monkeypatch, sweep):
    make_profile()
    message = make_message()
    send_then(lambda: call_command("send_pending_notifications", *sweep), monkeypatch)
    assert notify_owner.call("message", message.pk) == "sent"
    assert len(owner_emails()) == 1
    message.refresh_from_db()
    assert message.notify_attempts == 1


@pytest.mark.django_db
def test_a_send_that_died_midway_is_retried_once_its_lease_has_passed(monkeypatch):
    """A worker killed mid-send leaves the row claimed; after the lease, the sweep takes it over."""
    make_profile()
    message = make_message()
    notifications._claim(message)  # claimed, then the worker died
    call_command("send_pending_notifications", "--now")
    assert owner_emails() == []  # still within the lease: it may yet be sent
    ContactMessage.objects.filter(pk=message.pk).update(
        last_attempt_at=message.last_attempt_at - ContactMessage.SEND_LEASE
    )
    call_command("send_pending_notifications", "--now")
    assert len(owner_emails()) == 1


@pytest.mark.django_db
def test_the_sweep_running_while_an_invite_is_sending_does_not_send_it_again(monkeypatch):
    make_profile()
    make_booking_settings()
    booking = make_booking(notified_at=make_message().created_at)
    send_then(lambda: call_command("send_pending_notifications", "--now"), monkeypatch)
    assert booking.confirm().emailed
    invites = [message for message in mail.outbox if message.subject.startswith("Intro call confirmed")]
    assert len(invites) == 1


def race(*callables):
    """Run the callables in threads that start together, each on its own database connection."""
    barrier = threading.Barrier(len(callables), timeout=10)
    outcomes = []

    def run(work):
        try:
            barrier.wait()
            outcomes.append(work())
        except Exception as exc:  # a refused transition is an outcome too
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in callables]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Needs real concurrent transactions: runs on the Postgres leg of CI."
)


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_two_owners_confirming_at_once_send_one_invite():
    make_profile()
    make_booking_settings()
    booking = make_booking()
    copies = [BookingRequest.objects.get(pk=booking.pk) for _ in range(2)]
    outcomes = race(*(copy.confirm for copy in copies))
    assert sorted(outcome.changed for outcome in outcomes) == [False, True]
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Intro call confirmed"]


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_confirm_and_decline_at_once_leave_one_decision_and_one_email():
    make_profile()
    make_booking_settings()
    booking = make_booking()
    first, second = (BookingRequest.objects.get(pk=booking.pk) for _ in range(2))
    outcomes = race(first.confirm, second.decline)
    refused = [outcome for outcome in outcomes if isinstance(outcome, TransitionRefused)]
    assert len(refused) == 1 and len(mail.outbox) == 1
    assert BookingRequest.objects.get().status in (BookingRequest.Status.CONFIRMED, BookingRequest.Status.DECLINED)


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_the_worker_and_the_sweep_at_once_email_the_owner_once():
    make_profile()
    message = make_message()
    outcomes = race(
        lambda: notify_owner.call("message", message.pk),
        lambda: call_command("send_pending_notifications", "--now"),
    )
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(owner_emails()) == 1
