import csv
import io
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse

from contact.models import BookingRequest, ContactMessage, Topic
from contact.seed import seed_contact
from contact.tests.factories import make_booking, make_booking_settings, make_message
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.django_db
MESSAGES = reverse("admin:contact_contactmessage_changelist")
BOOKINGS = reverse("admin:contact_bookingrequest_changelist")


@pytest.fixture(autouse=True)
def profile():
    return make_profile()


def act(admin_client, url, action, rows, follow=False, **extra):
    data = {"action": action, "_selected_action": [row.pk for row in rows], **extra}
    return admin_client.post(url, data, follow=follow)


def test_the_message_list_shows_status_topic_about_and_emailed(admin_client):
    make_message(name="Linus", topic=Topic.COLLABORATION, about="raft-in-practice")
    html = admin_client.get(MESSAGES).content.decode()
    for text in ("Linus", "Collaboration on a project", "raft-in-practice", "New", "Emailed?"):
        assert text in html


def test_the_message_list_filters_and_searches(admin_client):
    make_message(name="Alpha", topic=Topic.OTHER, message="about kafka")
    make_message(name="Beta", topic=Topic.AGENTIC_ARCHITECTURE, status=ContactMessage.Status.READ)
    assert "Beta" not in admin_client.get(MESSAGES, {"status__exact": "new"}).content.decode()
    assert "Alpha" not in admin_client.get(MESSAGES, {"topic__exact": "agentic-architecture"}).content.decode()
    found = admin_client.get(MESSAGES, {"q": "kafka"}).content.decode()
    assert "Alpha" in found and "Beta" not in found


@pytest.mark.parametrize("action", ["read", "replied", "spam", "archived"])
def test_bulk_actions_set_the_status(admin_client, action):
    rows = [make_message(), make_message()]
    assert act(admin_client, MESSAGES, f"mark_{action}", rows).status_code == 302
    assert set(ContactMessage.objects.values_list("status", flat=True)) == {action}


def test_bulk_action_messages_count_in_words_that_agree(admin_client):
    rows = [make_message(), make_message()]
    page = act(admin_client, MESSAGES, "mark_read", rows, follow=True).content.decode()
    assert "Marked 2 contact messages as read." in page
    page = act(admin_client, MESSAGES, "mark_archived", rows[:1], follow=True).content.decode()
    assert "Marked 1 contact message as archived." in page


def test_csv_export_holds_the_selected_rows_and_defuses_formulas(admin_client):
    chosen = make_message(name='=HYPERLINK("http://evil")', message="Hi, “quoted”\nnew line")
    make_message(name="Not chosen")
    response = act(admin_client, MESSAGES, "export_csv", [chosen])
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["created_at", "status", "name", "email"]
    assert len(rows) == 2
    assert rows[1][2] == '\'=HYPERLINK("http://evil")' and rows[1][6] == "Hi, “quoted”\nnew line"


def test_bookings_show_the_slot_in_the_owners_zone(admin_client):
    make_booking_settings(owner_timezone="Asia/Tokyo")
    make_booking(slot_start=datetime(2030, 1, 7, 6, 0, tzinfo=UTC), name="Tokyo caller")
    html = admin_client.get(BOOKINGS).content.decode()
    assert "Mon 7 Jan 2030, 15:00 JST" in html


def test_confirm_and_decline_email_the_visitor_and_decline_frees_the_slot(admin_client):
    make_booking_settings()
    yes, no = make_booking(name="Yes"), make_booking(name="No", slot_start=datetime(2030, 1, 7, 15, tzinfo=UTC))
    act(admin_client, BOOKINGS, "confirm", [yes])
    act(admin_client, BOOKINGS, "decline", [no])
    yes.refresh_from_db(), no.refresh_from_db()
    assert (yes.status, no.status) == ("confirmed", "declined")
    confirmed, declined = mail.outbox
    assert confirmed.attachments[0][0] == "intro-call.ics" and "/contact/book/cancel/" in confirmed.body
    assert declined.subject == "About your intro-call request" and "/contact/book/cancel/" in declined.body
    assert "I’m sorry" in declined.body
    assert not BookingRequest.objects.live().filter(pk=no.pk).exists()


def test_a_cancelled_request_cannot_be_confirmed(admin_client):
    make_booking_settings()
    booking = make_booking(status=BookingRequest.Status.CANCELLED)
    act(admin_client, BOOKINGS, "confirm", [booking])
    booking.refresh_from_db()
    assert booking.status == "cancelled" and mail.outbox == []


def test_the_admin_index_counts_new_messages_and_pending_bookings(admin_client):
    make_message(), make_message(), make_message(status=ContactMessage.Status.READ)
    make_booking()
    make_booking(status=BookingRequest.Status.CONFIRMED, slot_start=datetime(2031, 1, 1, 15, tzinfo=UTC))
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "New messages</a></th><td>2</td>" in html
    assert "Intro calls to confirm</a></th><td>1</td>" in html


def test_the_change_pages_and_booking_settings_render(admin_client):
    settings = make_booking_settings()
    message, booking = make_message(), make_booking()
    for url in (
        reverse("admin:contact_contactmessage_change", args=[message.pk]),
        reverse("admin:contact_bookingrequest_change", args=[booking.pk]),
        reverse("admin:contact_bookingsettings_change", args=[settings.pk]),
    ):
        assert admin_client.get(url).status_code == 200


def test_the_owner_cannot_revive_a_request_onto_a_taken_slot(admin_client):
    make_booking_settings()
    live = make_booking()
    old = make_booking(slot_start=live.slot_start, status=BookingRequest.Status.CANCELLED)
    url = reverse("admin:contact_bookingrequest_change", args=[old.pk])
    # The status is read-only in the change form, and no transition leads back from cancelled.
    for extra in ({"status": "requested"}, {"_transition": "confirm"}):
        data = {"name": old.name, "email": old.email, "topic": old.topic, "notes": ""} | extra
        assert admin_client.post(url, data).status_code == 302
        old.refresh_from_db()
        assert old.status == "cancelled"


def test_seed_adds_weekday_availability_once_and_never_overwrites_the_owner(db):
    assert seed_contact(None) == {"booking settings": 1, "availability windows": 5}
    assert seed_contact(None) == {"booking settings": 0, "availability windows": 0}
    from contact.models import AvailabilityWindow, BookingSettings

    settings = BookingSettings.load()
    assert settings.owner_timezone == "UTC"
    assert [(w.weekday, f"{w.start:%H:%M}", f"{w.end:%H:%M}") for w in settings.windows.all()] == [
        (day, "15:00", "18:00") for day in range(5)
    ]
    AvailabilityWindow.objects.all().delete()  # the owner removes them all
    seed_contact(None)
    assert not AvailabilityWindow.objects.exists()
    assert not ContactMessage.objects.exists() and not BookingRequest.objects.exists()
