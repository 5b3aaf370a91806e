import time
from email import message_from_bytes, policy
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from contact import ratelimit
from contact.models import BookingRequest, BookingSettings, ContactMessage
from contact.notifications import owner_email, single_line
from contact.slots import candidate_slots, format_when
from contact.tests.factories import (
    booking_data,
    contact_data,
    make_booking_settings,
    make_message,
    started,
)
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.django_db
URL = reverse("contact:contact_form")
BOOK = reverse("contact:booking_form")


@pytest.fixture(autouse=True)
def profile():
    return make_profile()


def test_a_filled_honeypot_is_stored_as_spam_and_not_emailed(submit):
    response = submit(URL, contact_data(website="https://cheap-pills.example"))
    # The bot sees the normal thank-you, so it learns nothing; the owner still has the row to review.
    assert response.status_code == 302 and response["Location"] == reverse("contact:sent")
    message = ContactMessage.objects.get()
    assert message.status == ContactMessage.Status.SPAM
    assert message.spam_reason == "Honeypot field filled in."
    assert mail.outbox == []


def test_a_form_sent_faster_than_a_person_could_is_spam(submit, settings):
    settings.CONTACT_MIN_FILL_SECONDS = 3
    submit(URL, contact_data(started=started(seconds_ago=0.5)))
    message = ContactMessage.objects.get()
    assert message.status == ContactMessage.Status.SPAM and "too fast" in message.spam_reason
    assert mail.outbox == []


def test_a_fast_person_keeps_their_text_and_is_asked_to_send_again(submit, settings):
    settings.CONTACT_MIN_FILL_SECONDS = 3
    response = submit(URL, contact_data(message="Pasted from my notes.", started=started(seconds_ago=0.5)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "please check your details and press the button again" in page.lower()
    assert "Pasted from my notes." in page
    # The second try carries a fresh timestamp: sent after the minimum, it goes through.
    fresh = response.context["form"].data["started"]
    assert fresh != contact_data(started=started(seconds_ago=0.5))["started"]
    with mock.patch("contact.forms.time.time", return_value=time.time() + 5):
        again = submit(URL, contact_data(message="Pasted from my notes.", started=fresh))
    assert again.status_code == 302
    assert ContactMessage.objects.filter(status=ContactMessage.Status.NEW).count() == 1


@pytest.mark.parametrize("token", ["", "1700000000", "bm90LXNpZ25lZA:forged:signature"])
def test_a_missing_or_forged_timestamp_is_spam(submit, token):
    submit(URL, contact_data(started=token))
    assert ContactMessage.objects.get().spam_reason == "Missing or forged form timestamp."
    assert mail.outbox == []


def test_spam_is_never_retried_by_the_pending_command(submit):
    from django.core.management import call_command

    submit(URL, contact_data(website="spam"))
    call_command("send_pending_notifications", "--now")
    assert mail.outbox == []


def test_the_form_renders_a_signed_timestamp_and_a_hidden_honeypot(client):
    html = client.get(URL).content.decode()
    assert 'name="started"' in html and 'type="hidden"' in html
    assert 'class="hp-field" aria-hidden="true"' in html and 'name="website"' in html and 'tabindex="-1"' in html


def test_an_over_limit_message_is_stored_as_spam_not_emailed_and_the_visitor_gets_a_friendly_429(submit, settings):
    settings.CONTACT_RATE_LIMIT = 2
    for _ in range(2):
        assert submit(URL, contact_data()).status_code == 302
    mail.outbox.clear()
    response = submit(URL, contact_data(message="The one over the limit."))
    assert response.status_code == 429
    assert "That’s a lot of messages at once" in response.content.decode()
    # Kept for the owner to review, not emailed.
    message = ContactMessage.objects.get(message="The one over the limit.")
    assert message.status == ContactMessage.Status.SPAM
    assert message.spam_reason == "Rate limited (3 from this address within an hour)."
    assert mail.outbox == []
    assert ContactMessage.objects.count() == 3


def test_when_the_rate_limiter_fails_a_booking_is_still_stored_and_emailed(submit, monkeypatch):
    monkeypatch.setattr(ratelimit, "_database_hit", lambda *args: 1 / 0)
    make_booking_settings(weekdays=range(7))
    slot = candidate_slots(BookingSettings.load())[0]
    assert submit(BOOK, booking_data(slot.value)).status_code == 302
    assert BookingRequest.objects.get().status == BookingRequest.Status.REQUESTED
    assert mail.outbox[0].to == ["owner@example.com"]


def test_the_rate_limit_is_per_ip(client, settings):
    settings.CONTACT_RATE_LIMIT = 1
    assert client.post(URL, contact_data(), REMOTE_ADDR="10.0.0.1").status_code == 302
    assert client.post(URL, contact_data(), REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.post(URL, contact_data(), REMOTE_ADDR="10.0.0.2").status_code == 302


def test_the_rate_limit_counts_the_client_behind_our_proxy_not_the_proxy(client, settings):
    settings.CONTACT_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = {"REMOTE_ADDR": "10.0.0.254"}
    assert client.post(URL, contact_data(), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 302
    assert client.post(URL, contact_data(), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    # A forged entry to the left changes nothing: our proxy appended the real address.
    assert client.post(URL, contact_data(), HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **proxy).status_code == 429
    assert client.post(URL, contact_data(), HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy).status_code == 302


def test_an_over_limit_booking_is_stored_as_spam_and_does_not_hold_its_slot(client, submit, settings):
    settings.CONTACT_RATE_LIMIT = 2
    make_booking_settings(weekdays=range(7))
    slots = candidate_slots(BookingSettings.load())
    for slot in slots[:2]:
        assert submit(BOOK, booking_data(slot.value)).status_code == 302
    mail.outbox.clear()
    assert submit(BOOK, booking_data(slots[2].value)).status_code == 429
    booking = BookingRequest.objects.get(slot_start=slots[2].start)
    assert booking.status == BookingRequest.Status.SPAM and booking.spam_reason.startswith("Rate limited (3 ")
    assert mail.outbox == []
    # Someone else can still book that time.
    assert submit(BOOK, booking_data(slots[2].value), REMOTE_ADDR="10.0.0.2").status_code == 302
    assert BookingRequest.objects.live().filter(slot_start=slots[2].start).count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "Eve\r\nBcc: victim@example.com",
        "Eve\nSubject: hijacked",
        "Eve\rX-Injected: 1",
        "Eve\u2028Bcc: victim@example.com",
        "Eve\x1b[31m",
    ],
)
def test_header_injection_through_the_name_is_refused_by_the_form(client, name):
    response = client.post(URL, contact_data(name=name))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Keep your name on one line."]
    assert not ContactMessage.objects.exists()


def test_null_characters_get_a_clear_error_rather_than_a_database_error(client):
    response = client.post(URL, contact_data(name="Eve\x00", message="hi\x00"))
    assert response.status_code == 200
    assert response.context["form"].errors["message"] == ["Null characters are not allowed."]


def test_header_injection_through_the_topic_is_refused_by_the_form(client):
    response = client.post(URL, contact_data(topic="other\r\nBcc: victim@example.com"))
    assert response.context["form"].errors["topic"] == ["Please pick a topic from the list."]


def test_a_stored_name_with_newlines_still_makes_a_single_line_subject(profile):
    # Rows can arrive other ways than the form (the admin, an import); the email must stay safe anyway.
    message = make_message(name="Eve\r\nBcc: victim@example.com\r\n" + "A" * 70)
    email = owner_email(message, profile)
    assert "\n" not in email.subject and "\r" not in email.subject
    parsed = message_from_bytes(email.message().as_bytes(), policy=policy.default)
    # The would-be header is just text inside the subject; no Bcc header exists.
    assert parsed["Subject"].strip().startswith("[Contact] Other from Eve Bcc: victim@example.com AAA")
    assert parsed["Bcc"] is None
    assert email.recipients() == ["owner@example.com"]


def test_single_line_collapses_control_characters_and_truncates():
    assert single_line("a\r\n\tb\x00c\u2028d") == "a b c d"
    assert single_line("x" * 100, limit=10) == "x" * 9 + "…"


def test_very_long_and_unicode_names_pass_as_one_encoded_header(submit):
    submit(URL, contact_data(name="Ж" * 100))
    parsed = message_from_bytes(mail.outbox[0].message().as_bytes(), policy=policy.default)
    assert parsed["Subject"].strip() == "[Contact] Distributed systems from " + "Ж" * 100


def test_old_spam_stays_in_the_admin_for_review(admin_client):
    make_message(status=ContactMessage.Status.SPAM, spam_reason="Honeypot field filled in.", name="Botty")
    page = admin_client.get(reverse("admin:contact_contactmessage_changelist") + "?status__exact=spam")
    assert "Botty" in page.content.decode()


SPAM = "Cheap pills at https://pills.example/buy now"


def everything_in(email):
    """The subject and both bodies, as the recipient could see them."""
    return "\n".join([email.subject, email.body, *(content for content, _ in email.alternatives)])


def test_the_acknowledgement_carries_none_of_the_visitors_text(submit):
    # Anyone can type anyone's address, so text in the receipt would make us a spam relay.
    submit(URL, contact_data(name="Visit pills.example", message=SPAM))
    owner, ack = mail.outbox
    assert SPAM in owner.body  # the owner still gets every word
    assert ack.to == ["grace@example.org"]
    seen = everything_in(ack)
    assert "pills" not in seen and "https://" not in seen
    assert "your message reached Ada Example" in ack.body and "reply by email" in ack.body


def test_the_booking_acknowledgement_carries_none_of_the_visitors_text(submit):
    make_booking_settings(weekdays=range(7))
    slot = candidate_slots(BookingSettings.load())[0]
    submit(BOOK, booking_data(slot.value, tz="Asia/Kolkata", name="Visit pills.example", notes=SPAM))
    owner, ack = mail.outbox
    assert SPAM in owner.body
    seen = everything_in(ack)
    assert "pills" not in seen and "https://" not in seen
    # The slot, in the zone the visitor picked from our list, is ours to repeat.
    when = format_when(slot.start, ZoneInfo("Asia/Kolkata"))
    assert when in ack.subject and when in ack.body and "/contact/book/cancel/" in ack.body


@pytest.mark.parametrize(
    "email", ['"eve\x01"@example.org', '"eve\x7f"@example.org', '"e\x1bve"@example.org', "eve\u202e@example.org"]
)
def test_email_addresses_with_control_characters_are_refused(client, email):
    response = client.post(URL, contact_data(email=email))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["That email address doesn’t look right."]
    assert not ContactMessage.objects.exists()


def test_a_plain_quoted_local_part_is_still_accepted(submit):
    assert submit(URL, contact_data(email='"grace.hopper"@example.org')).status_code == 302
    assert mail.outbox[0].reply_to == ['"grace.hopper"@example.org']


@pytest.mark.parametrize("override", ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068"])
def test_direction_overrides_are_removed_from_names_before_storing_and_emailing(submit, override):
    submit(URL, contact_data(name=f"Eve{override}gnp.exe\u2069\u200e\u200f\u061c"))
    assert ContactMessage.objects.get().name == "Evegnp.exe"
    subject = mail.outbox[0].subject
    assert subject == "[Contact] Distributed systems from Evegnp.exe"


def test_a_name_of_only_direction_overrides_is_missing(client):
    response = client.post(URL, contact_data(name="\u202e\u2066"))
    assert response.context["form"].errors["name"] == ["Please tell me your name."]


def test_a_stored_row_with_overrides_or_a_bad_address_still_makes_safe_headers(profile):
    message = make_message(name="Eve\u202egnp.exe", email='"eve\x01"@example.org')
    email = owner_email(message, profile)
    assert "\u202e" not in email.subject and email.subject.endswith("from Evegnp.exe")
    assert email.reply_to == []
    email.message()  # builds without a header error
