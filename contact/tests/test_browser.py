"""End to end in headless Chromium: a visitor writes, another books a call from New York."""

from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from contact.models import BookingRequest, BookingSettings, ContactMessage
from contact.seed import seed_contact
from contact.slots import candidate_slots
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.browser


@pytest.fixture
def site(transactional_db, settings):
    settings.CONTACT_MIN_FILL_SECONDS = 0  # a script fills the form in milliseconds
    make_profile()
    seed_contact(None)


def test_a_visitor_sends_a_message(live_server, page, site, axe, screenshot):
    page.goto(f"{live_server.url}/contact/")
    assert axe() == []
    page.get_by_label("Your name").fill("Grace Visitor")
    page.get_by_label("Your email").fill("grace@example.org")
    page.get_by_label("Topic").select_option(label="Agentic architecture")
    page.get_by_label("Message").fill("Let's talk about agent runtimes.")
    screenshot("contact-form-filled")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_url("**/contact/sent/")
    assert page.get_by_role("heading", level=1).inner_text() == "Thanks, your message is on its way"
    message = ContactMessage.objects.get()
    assert (message.topic, message.status) == ("agentic-architecture", "new")
    assert message.notified_at is not None
    assert [m.subject for m in mail.outbox][0] == "[Contact] Agentic architecture from Grace Visitor"


def test_errors_are_announced_next_to_each_field_and_in_a_summary(live_server, page, site, axe, screenshot):
    page.goto(f"{live_server.url}/contact/")
    page.get_by_label("Your email").fill("not-an-email")
    page.get_by_role("button", name="Send message").click()
    summary = page.get_by_role("alert")
    assert "4 things need fixing" in summary.inner_text()
    expect(summary).to_be_focused()  # keyboard and screen-reader users land on it
    email = page.get_by_label("Your email")
    assert email.get_attribute("aria-invalid") == "true" and email.input_value() == "not-an-email"
    assert "id_email_error" in email.get_attribute("aria-describedby")
    screenshot("contact-form-errors")
    assert axe() == []
    assert not ContactMessage.objects.exists()


@pytest.mark.browser_context_args(locale="en-GB", timezone_id="America/New_York")
def test_a_visitor_in_new_york_books_a_slot_shown_in_their_time(live_server, page, site, axe, screenshot):
    new_york = ZoneInfo("America/New_York")
    first = candidate_slots(BookingSettings.load())[0]
    page.goto(f"{live_server.url}/contact/book/")
    # The picker detects the browser's zone and redraws in it, without a reload (see test_booking_picker_browser).
    expect(page).to_have_url(f"{live_server.url}/contact/book/?tz=America%2FNew_York")
    assert page.get_by_label("Show times in").input_value() == "America/New_York"
    assert page.get_by_text("Times in America/New_York").is_visible()
    first_label = page.locator(".picker-slots label").first
    expected = f"{first.start.astimezone(new_york):%H:%M}–{first.end.astimezone(new_york):%H:%M}"
    expect(first_label).to_have_text(expected)
    assert axe() == []

    first_label.click()
    page.get_by_label("Your name").fill("Grace Visitor")
    page.get_by_label("Your email").fill("grace@example.org")
    page.get_by_label("Topic").select_option(label="Distributed systems")
    page.get_by_label("Notes (optional)").fill("Consensus at the edge.")
    screenshot("booking-new-york")
    page.get_by_role("button", name="Request this call").click()
    page.wait_for_url("**/contact/book/sent/?request=*")
    local = first.start.astimezone(new_york)
    assert f"{local:%H:%M} {local.tzname()}" in page.locator("main").inner_text()

    booking = BookingRequest.objects.get()
    assert (booking.slot_start, booking.visitor_timezone) == (first.start, "America/New_York")
    page.goto(f"{live_server.url}/contact/book/?tz=America/New_York")
    expect(page.locator(".picker-slots label").first).not_to_have_text(expected)  # the booked slot is gone


def test_the_booking_page_works_without_javascript_in_utc(live_server, browser, site):
    context = browser.new_context(java_script_enabled=False, timezone_id="Asia/Tokyo")
    page = context.new_page()
    first = candidate_slots(BookingSettings.load())[0]
    page.goto(f"{live_server.url}/contact/book/")
    assert page.url.endswith("/contact/book/")
    assert page.locator(".slot-list label").first.inner_text() == f"{first.start:%H:%M}–{first.end:%H:%M}"
    page.get_by_label("Show times in").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Show times").click()
    # The form's GET loads a new page; expect() waits for it, where reading the text at once could race it.
    expect(page.locator("main")).to_contain_text("Times in Asia/Tokyo")
    context.close()
