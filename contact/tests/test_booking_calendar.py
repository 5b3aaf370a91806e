"""Right after requesting a call, the visitor can put it in their own calendar, marked tentative."""

import json
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from contact.models import BookingRequest, BookingSettings
from contact.notifications import CALENDAR_MAX_AGE, booking_ics, calendar_token, cancel_token
from contact.slots import candidate_slots
from contact.tests.factories import booking_data, make_booking, make_booking_settings
from portfolio.models import SiteProfile
from portfolio.tests.factories import make_profile

BOOK = reverse("contact:booking_form")

pytestmark = pytest.mark.django_db


@pytest.fixture
def slots(db):
    make_profile()
    make_booking_settings(weekdays=range(7))
    return candidate_slots(BookingSettings.load())


def calendar_url(booking):
    return reverse("contact:booking_calendar", args=[calendar_token(booking)])


def event_of(response):
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_the_thank_you_page_offers_the_requested_call_as_a_tentative_ics(client, slots, submit):
    response = submit(BOOK, booking_data(slots[2].value, tz="Asia/Kolkata"))
    booking = BookingRequest.objects.get()
    page = client.get(response["Location"]).content.decode()
    local = slots[2].start + timedelta(hours=5, minutes=30)
    assert f"{local:%H:%M} IST" in page
    assert "Add to my calendar (tentative)" in page
    # The page's own link: a token carries the second it was signed, so one made here may differ.
    prefix = calendar_url(booking).rsplit("/", 2)[0]
    (link,) = re.findall(rf'href="({re.escape(prefix)}/[^"/]+/)"', page)

    download = client.get(link)
    assert download.status_code == 200
    assert download["Content-Type"] == "text/calendar; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="intro-call-requested.ics"'
    calendar, event = event_of(download)
    assert str(event["STATUS"]) == "TENTATIVE" and str(calendar["METHOD"]) == "PUBLISH"
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (slots[2].start, slots[2].end)
    # The confirmed invite carries the same UID, so it replaces this entry in the visitor's calendar.
    (invite,) = Calendar.from_ical(booking_ics(booking, SiteProfile.load())).walk("VEVENT")
    assert str(event["UID"]) == str(invite["UID"]) == f"booking-{booking.pk}@{urlsplit(settings.SITE_URL).hostname}"
    assert "(requested)" in str(event["SUMMARY"])


def test_the_tentative_ics_carries_no_visitor_details_and_no_cancel_link(client, slots):
    booking = make_booking(slot_start=slots[0].start, name="Grace Visitor", email="grace@example.org", notes="Secret")
    text = client.get(calendar_url(booking)).content.decode()
    for detail in ("Grace", "grace@example.org", "Secret", "/cancel/", "ATTENDEE"):
        assert detail not in text


@pytest.mark.parametrize("token", ["", "nonsense", "eyJib29raW5nIjoxfQ:forged:sig", "x" * 500])
def test_a_forged_or_mangled_calendar_link_is_a_404_not_an_error(client, slots, token):
    make_booking(slot_start=slots[0].start)
    url = reverse("contact:booking_calendar", args=[token]) if token else "/contact/book/calendar/%20/"
    assert client.get(url).status_code == 404


def test_a_cancel_token_is_not_a_calendar_token_and_a_calendar_token_cannot_cancel(client, slots):
    booking = make_booking(slot_start=slots[0].start)
    assert client.get(reverse("contact:booking_calendar", args=[cancel_token(booking)])).status_code == 404
    client.post(reverse("contact:booking_cancel", args=[calendar_token(booking)]))
    booking.refresh_from_db()
    assert booking.status == BookingRequest.Status.REQUESTED


def test_a_calendar_link_stops_working_once_the_request_is_cancelled_or_declined(client, slots):
    cancelled = make_booking(slot_start=slots[0].start, status=BookingRequest.Status.CANCELLED)
    declined = make_booking(slot_start=slots[1].start, status=BookingRequest.Status.DECLINED)
    assert client.get(calendar_url(cancelled)).status_code == 404
    assert client.get(calendar_url(declined)).status_code == 404


def test_a_calendar_link_expires(client, slots, monkeypatch):
    booking = make_booking(slot_start=slots[0].start)
    signed_at = time.time() - CALENDAR_MAX_AGE.total_seconds() - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: signed_at)  # the token is signed as if a month ago
        url = calendar_url(booking)
    assert client.get(url).status_code == 404
    assert client.get(calendar_url(booking)).status_code == 200


def test_a_spam_request_gets_the_plain_thank_you_page_without_a_calendar_link(client, slots, submit):
    response = submit(BOOK, booking_data(slots[0].value, website="http://spam.example"))
    assert BookingRequest.objects.get().status == BookingRequest.Status.SPAM
    assert response["Location"] == reverse("contact:booking_sent")
    assert "Add to my calendar" not in client.get(response["Location"]).content.decode()


def test_the_thank_you_page_ignores_a_bad_request_token(client, slots):
    page = client.get(reverse("contact:booking_sent"), {"request": "forged\x00"})
    assert page.status_code == 200 and "Add to my calendar" not in page.content.decode()


def test_the_booking_page_embeds_the_free_slots_as_utc_instants_for_the_picker(client, slots):
    make_booking(slot_start=slots[1].start)
    response = client.get(BOOK, {"tz": "Asia/Kolkata"})
    html = response.content.decode()
    data = json.loads(html.split('<script id="booking-slots" type="application/json">')[1].split("</script>")[0])
    free = [slot for slot in slots if slot.start != slots[1].start]
    assert data == [{"start": slot.value, "end": f"{slot.end:%Y-%m-%dT%H:%MZ}"} for slot in free]
