"""Real SMTP: an aiosmtpd server on loopback receives what the site sends, or refuses when it is down."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from contact.models import BookingRequest, BookingSettings, ContactMessage
from contact.notifications import send_owner_notification
from contact.slots import candidate_slots
from contact.tests.factories import booking_data, contact_data, make_booking_settings, make_message
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def profile():
    return make_profile()


def parts(message):
    return {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}


def text(message, content_type="text/plain"):
    return parts(message)[content_type].get_content().replace("\r\n", "\n")


def test_the_owner_and_the_visitor_receive_their_emails_over_smtp(smtp_sink, submit):
    submit(reverse("contact:contact_form"), contact_data(message="Line one.\nLine <two> & more."))
    owner, ack = smtp_sink.messages
    message = ContactMessage.objects.get()

    assert owner["To"] == "owner@example.com"
    assert owner["Reply-To"] == "grace@example.org"
    assert owner["Subject"] == "[Contact] Distributed systems from Grace Visitor"
    assert "Line one.\nLine <two> & more." in text(owner)
    html = text(owner, "text/html")
    assert "Line <two>" not in html and "Line &lt;two&gt; &amp; more." in html  # the visitor's text is escaped
    assert f"http://127.0.0.1:8000/admin/contact/contactmessage/{message.pk}/change/" in html

    assert ack["To"] == "grace@example.org"
    assert ack["Reply-To"] == "owner@example.com"
    assert ack["Subject"] == "Thanks for your message"
    assert {"text/plain", "text/html"} <= set(parts(ack))
    message.refresh_from_db()
    assert message.notified_at is not None and message.last_error == ""


def test_a_booking_emails_the_owner_then_confirming_sends_the_visitor_an_ics_invite(smtp_sink, submit, admin_client):
    make_booking_settings(owner_timezone="Europe/Berlin", weekdays=range(7))
    slot = candidate_slots(BookingSettings.load())[0]
    submit(reverse("contact:booking_form"), booking_data(slot.value, tz="America/New_York"))
    booking = BookingRequest.objects.get()
    owner, ack = smtp_sink.messages
    assert owner["Reply-To"] == "grace@example.org"
    assert owner["Subject"].startswith("[Intro call] ") and owner["Subject"].endswith(" with Grace Visitor")
    assert ("CET" in owner["Subject"]) or ("CEST" in owner["Subject"])  # the owner's zone
    assert f"/admin/contact/bookingrequest/{booking.pk}/change/" in text(owner)
    assert "/contact/book/cancel/" in text(ack, "text/html")

    response = admin_client.post(
        reverse("admin:contact_bookingrequest_changelist"), {"action": "confirm", "_selected_action": [booking.pk]}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingRequest.Status.CONFIRMED and booking.decided_at is not None

    invite = smtp_sink.messages[2]
    assert invite["To"] == "grace@example.org"
    assert invite["Subject"].startswith("Intro call confirmed: ")
    assert "EST" in invite["Subject"] or "EDT" in invite["Subject"]  # the visitor's zone
    attachment = next(part for part in invite.walk() if part.get_filename() == "intro-call.ics")
    assert attachment.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == slot.start and event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == slot.end
    assert str(event["uid"]) == f"booking-{booking.pk}@127.0.0.1"
    assert b"DTSTART:" in attachment.get_payload(decode=True) and slot.start.strftime("%Y%m%dT%H%M%SZ").encode() in (
        attachment.get_payload(decode=True)
    )
    assert "/contact/book/cancel/" in text(invite)


def test_the_invite_and_its_cancellation_share_one_uid(smtp_sink, admin_client):
    from contact.tests.factories import make_booking

    make_booking_settings()
    booking = make_booking()
    url = reverse("admin:contact_bookingrequest_changelist")
    for action in ("confirm", "confirm", "cancel"):  # the repeated confirm sends nothing
        admin_client.post(url, {"action": action, "_selected_action": [booking.pk]})
    calendars = [
        Calendar.from_ical(part.get_payload(decode=True))
        for message in smtp_sink.messages
        for part in message.walk()
        if part.get_filename() == "intro-call.ics"
    ]
    assert [str(calendar["method"]) for calendar in calendars] == ["REQUEST", "CANCEL"]
    uids = {str(calendar.walk("VEVENT")[0]["uid"]) for calendar in calendars}
    assert len(uids) == 1


def test_when_smtp_is_down_the_message_is_kept_and_delivered_later(smtp_down, submit):
    response = submit(reverse("contact:contact_form"), contact_data())
    assert response.status_code == 302  # the visitor is thanked: their message is safe in the database
    message = ContactMessage.objects.get()
    assert message.notified_at is None and message.notify_attempts == 1
    assert "ConnectionRefusedError" in message.last_error

    smtp_down.start()
    call_command("send_pending_notifications", "--now")
    message.refresh_from_db()
    assert message.notified_at is not None and message.last_error == ""
    assert [m["Subject"] for m in smtp_down.messages] == [
        "[Contact] Distributed systems from Grace Visitor",
        "Thanks for your message",
    ]
    call_command("send_pending_notifications", "--now")
    assert len(smtp_down.messages) == 2  # sent once, never again


def test_three_failures_then_success_with_backoff_between_tries(smtp_down):
    message = make_message()
    for attempt in range(1, 4):
        call_command("send_pending_notifications")
        message.refresh_from_db()
        assert message.notify_attempts == attempt and message.notified_at is None
        assert "ConnectionRefusedError" in message.last_error
        # Right after a failure the row waits: 1, 2, then 4 minutes.
        assert message.retry_due_at() - message.last_attempt_at == timedelta(minutes=2 ** (attempt - 1))
        call_command("send_pending_notifications")
        message.refresh_from_db()
        assert message.notify_attempts == attempt
        # Let the backoff pass.
        ContactMessage.objects.filter(pk=message.pk).update(last_attempt_at=F("last_attempt_at") - timedelta(hours=1))
    smtp_down.start()
    call_command("send_pending_notifications")
    message.refresh_from_db()
    assert message.notify_attempts == 4 and message.notified_at is not None and message.last_error == ""
    assert [m["To"] for m in smtp_down.messages] == ["owner@example.com", "visitor@example.org"]


def test_backoff_is_capped_at_an_hour():
    message = ContactMessage(notify_attempts=30, last_attempt_at=timezone.now())
    assert message.retry_due_at() - message.last_attempt_at == timedelta(hours=1)


def test_a_missing_contact_email_is_recorded_and_retried_once_set(smtp_sink, profile):
    profile.delete()
    message = make_message()
    assert send_owner_notification(message) == "failed"
    message.refresh_from_db()
    assert message.last_error == "No contact email configured: add one to the site profile in the admin."
    make_profile(contact_email="later@example.com")
    call_command("send_pending_notifications", "--now")
    assert smtp_sink.messages[0]["To"] == "later@example.com"


def test_unsent_messages_show_as_not_yet_emailed_in_the_admin(smtp_down, admin_client):
    make_message(name="Stuck Visitor")
    send_owner_notification(ContactMessage.objects.get())
    page = admin_client.get(reverse("admin:contact_contactmessage_changelist") + "?emailed=no")
    html = page.content.decode()
    assert "Stuck Visitor" in html and 'alt="False"' in html
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "Not yet emailed (retrying)" in index


def test_a_failed_decision_email_keeps_the_decision_and_tells_the_owner(smtp_down, admin_client):
    from contact.tests.factories import make_booking

    make_booking_settings()
    booking = make_booking()
    response = admin_client.post(
        reverse("admin:contact_bookingrequest_changelist"),
        {"action": "decline", "_selected_action": [booking.pk]},
        follow=True,
    )
    booking.refresh_from_db()
    assert booking.status == BookingRequest.Status.DECLINED
    assert "The email failed for 1 request" in response.content.decode()


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection, as in production
def test_with_the_database_queue_the_worker_sends_what_the_request_stored(settings, client, smtp_sink):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.post(reverse("contact:contact_form"), contact_data())
    message = ContactMessage.objects.get()
    assert message.notified_at is None and smtp_sink.messages == []  # queued, not sent in the request
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay")
    message.refresh_from_db()
    assert message.notified_at is not None
    assert smtp_sink.messages[0]["Subject"] == "[Contact] Distributed systems from Grace Visitor"
