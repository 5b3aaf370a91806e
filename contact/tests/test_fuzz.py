"""Hypothesis through the test client: no input to the contact or booking form gives a 500, and every
valid submission is stored."""

import time
from datetime import time as clock
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from contact.forms import started_token
from contact.models import BookingRequest, BookingSettings, ContactMessage, Topic
from contact.slots import candidate_slots
from contact.tests.factories import make_booking_settings
from contact.text import BIDI_CONTROLS, CONTROL_CHARACTERS
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.django_db
URL = reverse("contact:contact_form")
BOOK = reverse("contact:booking_form")

# Anything a browser can send in a form (which excludes lone surrogates: they can't be UTF-8 encoded).
any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)
# What a person plausibly types into a one-line field, including non-Latin scripts and emoji.
one_line = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"], exclude_characters="\x85"), min_size=1
).filter(lambda text: BIDI_CONTROLS.sub("", text).strip() and len(text.strip()) <= 100)
prose = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1).filter(
    lambda text: text.strip() and len(text.strip()) <= 2000
)
topics = st.sampled_from([choice.value for choice in Topic])


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.CONTACT_RATE_LIMIT = 10_000
    settings.CONTACT_MIN_FILL_SECONDS = 0
    make_profile()


def fresh_started():
    return started_token(time.time() - 10)


@given(
    data=st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(("name", "email", "topic", "message", "about", "website", "started", "extra"), any_text),
    )
)
def test_no_contact_form_input_gives_a_server_error(client, data):
    response = client.post(URL, data)
    assert response.status_code in (200, 302, 429)


@given(name=one_line, email=st.emails(), topic=topics, message=prose, about=any_text)
def test_every_valid_message_is_stored(client, name, email, topic, message, about):
    before = ContactMessage.objects.count()
    data = {"name": name, "email": email, "topic": topic, "message": message, "about": about}
    response = client.post(URL, data | {"website": "", "started": fresh_started()})
    if any(char in CONTROL_CHARACTERS for char in email) or len(email) > 254:
        return  # refused with a message (checked elsewhere), not lost silently
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    stored = ContactMessage.objects.latest("id")
    assert ContactMessage.objects.count() == before + 1
    assert stored.status == ContactMessage.Status.NEW
    assert stored.message == message.strip() and stored.email == email
    assert stored.name == BIDI_CONTROLS.sub("", name).strip()


@pytest.fixture
def bookable():
    make_booking_settings(weekdays=range(7), start=clock(0), end=clock(23))
    return candidate_slots(BookingSettings.load())


@given(
    data=st.fixed_dictionaries(
        {}, optional=dict.fromkeys(("slot", "tz", "name", "email", "topic", "notes", "website", "started"), any_text)
    ),
    zone=any_text,
)
def test_no_booking_input_gives_a_server_error(client, bookable, data, zone):
    assert client.get(BOOK, {"tz": zone}).status_code == 200
    assert client.post(BOOK, data).status_code in (200, 302, 429)


@given(
    index=st.integers(min_value=0, max_value=200),
    name=one_line,
    email=st.emails().filter(lambda email: len(email) <= 254),
    topic=topics,
    zone=st.sampled_from(["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Nonsense/Zone"]),
    notes=st.just("") | prose,
)
def test_every_valid_booking_of_a_free_slot_is_stored(client, bookable, index, name, email, topic, zone, notes):
    # Not the first slots: one could pass its minimum notice while the test runs.
    slot = bookable[2 + index % (len(bookable) - 2)]
    already_taken = BookingRequest.objects.live().filter(slot_start=slot.start).exists()
    data = {"slot": slot.value, "tz": zone, "name": name, "email": email, "topic": topic, "notes": notes}
    response = client.post(BOOK, data | {"website": "", "started": fresh_started()})
    if already_taken:
        assert response.status_code == 200 and "slot" in response.context["form"].errors
        return
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    booking = BookingRequest.objects.get(slot_start=slot.start)
    assert booking.status == BookingRequest.Status.REQUESTED and booking.email == email
    assert booking.slot_end - booking.slot_start == timedelta(minutes=30)


@given(about=any_text, token=any_text)
def test_no_about_link_or_cancel_token_gives_a_server_error(client, about, token):
    assert client.get(URL, {"about": about}).status_code == 200
    cancel = reverse("contact:booking_cancel", args=["x"]).replace("/x/", f"/{quote(token, safe='')}/")
    assert client.post(cancel).status_code in (200, 400, 404)
