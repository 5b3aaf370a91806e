"""The booking picker in headless Chromium: a month view in the visitor's zone, switched in place,
with the server's list as the fallback when JavaScript is off."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from conftest import AXE_SCRIPT, save_screenshot
from contact.models import BookingRequest, BookingSettings
from contact.seed import seed_contact
from contact.slots import candidate_slots
from portfolio.tests.factories import make_profile

pytestmark = pytest.mark.browser
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def site(transactional_db, settings):
    settings.CONTACT_MIN_FILL_SECONDS = 0  # a script fills the form in milliseconds
    make_profile()
    seed_contact(None)
    return candidate_slots(BookingSettings.load())


def day_label(slot, zone, year=False):
    day = slot.start.astimezone(zone)
    return f"{day:%A} {day.day} {day:%B}" + (f" {day.year}" if year else "")


def time_range(slot, zone):
    return f"{slot.start.astimezone(zone):%H:%M}–{slot.end.astimezone(zone):%H:%M}"


def first_slots_of_first_day(slots, zone):
    day = slots[0].start.astimezone(zone).date()
    return [slot for slot in slots if slot.start.astimezone(zone).date() == day]


def show_busy_day(page, slots, zone):
    """Open the first day with two or more free slots (paging months if need be); returns its slots."""
    by_day = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(zone).date(), []).append(slot)
    day, day_slots = next((day, group) for day, group in by_day.items() if len(group) > 1)
    while not page.locator(f"button[data-day='{day.isoformat()}']").count():
        page.get_by_role("button", name="Next month").click()
    page.locator(f"button[data-day='{day.isoformat()}']").click()
    return day_slots


def fill_details(page):
    page.get_by_label("Your name").fill("Grace Visitor")
    page.get_by_label("Your email").fill("grace@example.org")
    page.get_by_label("Topic").select_option(label="Distributed systems")


def axe_all(page):
    """Every axe violation, whatever its impact (the shared fixture keeps only serious and critical)."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in results["violations"]]


@pytest.mark.browser_context_args(locale="en-GB", timezone_id="America/New_York")
def test_the_picker_opens_in_the_browsers_zone_and_books_the_chosen_slot(live_server, page, site, screenshot):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/contact/book/")
    # No reload: the address is only rewritten, so a reload or a shared link keeps the zone.
    expect(page).to_have_url(f"{live_server.url}/contact/book/?tz=America%2FNew_York")
    expect(page.get_by_label("Show times in")).to_have_value("America/New_York")
    expect(page.get_by_text("Times in America/New_York")).to_be_visible()
    expect(page.get_by_role("button", name="Show times")).to_be_hidden()
    expect(page.locator(".slot-day")).to_have_count(0)  # the server's list made way for the picker

    first_day = first_slots_of_first_day(site, NEW_YORK)
    day_button = page.locator("button.picker-day[aria-pressed=true]")
    count = f"{len(first_day)} free time" + ("s" if len(first_day) > 1 else "")
    expect(day_button).to_have_attribute("aria-label", f"{day_label(first_day[0], NEW_YORK)}, {count}")
    expect(page.locator(".picker-times legend")).to_have_text(day_label(first_day[0], NEW_YORK))
    labels = page.locator(".picker-slots label")
    expect(labels).to_have_text([time_range(slot, NEW_YORK) for slot in first_day])
    expect(page.locator("[data-summary-empty]")).to_have_text("Pick a day, then a time.")

    chosen = first_day[-1]  # the first day may have only one slot left, at some times of day
    labels.last.click()
    summary = page.locator("[data-summary-when]")
    expect(summary).to_contain_text(day_label(chosen, NEW_YORK, year=True))
    expect(summary).to_contain_text(f"{time_range(chosen, NEW_YORK)} · 30 min")
    expect(summary).to_contain_text("America/New York time")
    # On a wide screen the form stays beside the picker, in view while the visitor scrolls.
    assert page.locator("#booking-details").evaluate("node => getComputedStyle(node).position") == "sticky"
    fill_details(page)
    screenshot("booking-picker-1280")
    page.get_by_role("button", name="Request this call").click()
    page.wait_for_url("**/contact/book/sent/?request=*")
    local = chosen.start.astimezone(NEW_YORK)
    expect(page.locator("main")).to_contain_text(f"{local:%H:%M} {local.tzname()}")

    booking = BookingRequest.objects.get()
    assert (booking.slot_start, booking.visitor_timezone) == (chosen.start, "America/New_York")


@pytest.mark.browser_context_args(locale="en-GB", timezone_id="Asia/Kolkata")
def test_switching_the_zone_redraws_the_picker_in_place_and_keeps_the_chosen_slot(live_server, page, site):
    page.goto(f"{live_server.url}/contact/book/")
    first_day = first_slots_of_first_day(site, KOLKATA)
    expect(page.locator(".picker-slots label").first).to_have_text(time_range(first_day[0], KOLKATA))
    chosen = first_day[-1]
    page.locator(".picker-slots label").last.click()
    page.evaluate("window.loadedOnce = true")  # a reload would drop this

    # Auckland is 13 hours ahead: the same UTC afternoon is the next morning there, on the next day.
    auckland = ZoneInfo("Pacific/Auckland")
    page.get_by_label("Show times in").select_option("Pacific/Auckland")
    assert page.evaluate("window.loadedOnce") is True
    expect(page).to_have_url(f"{live_server.url}/contact/book/?tz=Pacific%2FAuckland")
    expect(page.get_by_text("Times in Pacific/Auckland")).to_be_visible()
    expect(page.locator(".picker-times legend")).to_have_text(day_label(chosen, auckland))
    expect(page.locator(".picker-slots input:checked + label")).to_have_text(time_range(chosen, auckland))
    expect(page.locator("[data-summary-when]")).to_contain_text(time_range(chosen, auckland))
    expect(page.locator("[data-summary-when]")).to_contain_text("Pacific/Auckland time")
    assert page.locator("input[name=tz]").input_value() == "Pacific/Auckland"

    fill_details(page)
    page.get_by_role("button", name="Request this call").click()
    page.wait_for_url("**/contact/book/sent/?request=*")
    booking = BookingRequest.objects.get()
    assert (booking.slot_start, booking.visitor_timezone) == (chosen.start, "Pacific/Auckland")


@pytest.mark.browser_context_args(locale="en-GB", timezone_id="Asia/Kolkata")
def test_the_month_view_marks_free_days_and_pages_through_months(live_server, page, site):
    BookingSettings.objects.filter(pk=1).update(horizon_days=70)  # always more than one month
    slots = candidate_slots(BookingSettings.load())
    page.goto(f"{live_server.url}/contact/book/")
    first = slots[0].start.astimezone(KOLKATA)
    expect(page.locator(".picker-month-title")).to_have_text(f"{first:%B %Y}")
    free_days = {slot.start.astimezone(KOLKATA).date() for slot in slots}
    in_month = sorted(day.day for day in free_days if (day.year, day.month) == (first.year, first.month))
    expect(page.locator("button.picker-day")).to_have_text([str(day) for day in in_month])
    expect(page.get_by_role("button", name="Previous month")).to_be_disabled()

    # The arrow keys cross into the next month too.
    page.locator("button.picker-day").last.focus()
    page.keyboard.press("ArrowRight")
    following = (first.replace(day=1) + timedelta(days=32)).date()
    next_free = min(d for d in free_days if (d.year, d.month) == (following.year, following.month))
    expect(page.locator(".picker-month-title")).to_have_text(f"{following:%B %Y}")
    expect(page.locator("button.picker-day:focus")).to_have_attribute("data-day", next_free.isoformat())
    page.get_by_role("button", name="Previous month").click()
    page.get_by_role("button", name="Next month").click()
    expect(page.locator(".picker-month-title")).to_have_text(f"{following:%B %Y}")
    page.locator("button.picker-day").first.click()
    day = min(d for d in free_days if (d.year, d.month) == (following.year, following.month))
    expect(page.locator(".picker-times legend")).to_have_text(f"{day:%A} {day.day} {day:%B}")


def test_arrow_keys_move_between_free_days(live_server, page, site):
    page.goto(f"{live_server.url}/contact/book/?tz=UTC")
    free_days = sorted({slot.start.date() for slot in site})
    first = page.locator("button.picker-day[aria-pressed=true]")
    first.focus()
    page.keyboard.press("ArrowRight")
    second = free_days[1]
    focused = page.locator("button.picker-day:focus")
    expect(focused).to_have_attribute("data-day", second.isoformat())
    page.keyboard.press("Enter")
    expect(page.locator(".picker-times legend")).to_have_text(f"{second:%A} {second.day} {second:%B}")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("button.picker-day:focus")).to_have_attribute("data-day", free_days[0].isoformat())


@pytest.mark.browser_context_args(locale="en-GB", timezone_id="Asia/Kolkata", viewport={"width": 375, "height": 740})
def test_on_a_phone_picking_a_time_brings_the_form_into_view(live_server, page, site, screenshot):
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/contact/book/")
    # Chromium calls this zone by its old name, Asia/Calcutta; the picker uses the one people know.
    expect(page.get_by_label("Show times in")).to_have_value("Asia/Kolkata")
    screenshot("booking-picker-375")
    page.locator(".picker-slots label").first.click()
    summary = page.locator(".booking-summary")
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text(time_range(first_slots_of_first_day(site, KOLKATA)[0], KOLKATA))
    # It sits right after the picker, above the fields, not after every slot of every day.
    picker_bottom = page.locator("[data-picker]").bounding_box()
    summary_top = summary.bounding_box()
    assert 0 < summary_top["y"] - (picker_bottom["y"] + picker_bottom["height"]) < 120
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("booking-picker-375-chosen")

    # Arrowing through the times by keyboard changes the choice but never yanks the page away from them.
    busy = show_busy_day(page, site, KOLKATA)
    page.locator(".picker-slots input").first.focus()
    before = page.evaluate("window.scrollY")
    page.keyboard.press("ArrowRight")
    expect(summary).to_contain_text(time_range(busy[1], KOLKATA))
    assert page.evaluate("window.scrollY") == before


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.browser_context_args(locale="en-GB", timezone_id="America/New_York")
def test_the_booking_page_has_no_axe_violations_in_either_theme(live_server, page, site, scheme, screenshot):
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server.url}/contact/book/")
    expect(page.locator("[data-picker]")).to_be_visible()
    page.locator(".picker-slots label").last.click()
    page.locator("button.picker-day").first.hover()
    assert axe_all(page) == []
    for width in (320, 375, 768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # Every day and time is a comfortable touch target.
        sizes = page.locator("button.picker-day, .picker-slots label, .picker-nav, .picker-clock button").evaluate_all(
            "nodes => nodes.map(n => Math.min(n.getBoundingClientRect().width, n.getBoundingClientRect().height))"
        )
        assert min(sizes) >= 24
        if width in (375, 1280):
            screenshot(f"booking-picker-{width}-{scheme}")


@pytest.mark.browser_context_args(locale="en-GB", timezone_id="Asia/Kolkata")
def test_the_visitor_adds_the_requested_call_to_their_calendar_as_tentative(live_server, page, site, screenshot):
    page.goto(f"{live_server.url}/contact/book/")
    page.locator(".picker-slots label").first.click()
    fill_details(page)
    page.get_by_role("button", name="Request this call").click()
    page.wait_for_url("**/contact/book/sent/?request=*")
    assert axe_all(page) == []
    screenshot("booking-sent-1280")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to my calendar (tentative)").click()
    download = download_info.value
    assert download.suggested_filename == "intro-call-requested.ics"
    (event,) = Calendar.from_ical(download.path().read_bytes()).walk("VEVENT")
    first = first_slots_of_first_day(site, KOLKATA)[0]
    assert str(event["STATUS"]) == "TENTATIVE"
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (first.start, first.end)


def test_without_javascript_the_server_list_books_a_slot_in_the_chosen_zone(live_server, browser, site):
    context = browser.new_context(java_script_enabled=False, timezone_id="Asia/Kolkata")
    page = context.new_page()
    page.goto(f"{live_server.url}/contact/book/")
    assert page.url.endswith("/contact/book/")  # nothing rewrote the address
    expect(page.locator("[data-picker]")).to_have_count(0)
    expect(page.locator(".booking-summary")).to_be_hidden()
    page.get_by_label("Show times in").select_option("Asia/Kolkata")
    page.get_by_role("button", name="Show times").click()
    expect(page.locator("main")).to_contain_text("Times in Asia/Kolkata")
    # Each day folds away but the first: the last day's times show once it is opened.
    chosen = site[-1]
    label = page.locator(f"label[for='slot-{chosen.value.lower().replace(':', '')}']")
    expect(label).to_be_hidden()
    expect(page.locator(".slot-day-fold").first.locator(".slot-list label").first).to_be_visible()
    page.locator(".slot-day-fold summary").last.click()
    expect(label).to_have_text(time_range(chosen, KOLKATA))
    label.click()
    page.get_by_role("button", name="Request this call").click()  # no name yet
    expect(page.get_by_role("alert")).to_contain_text("things need fixing")
    expect(label).to_be_visible()  # the day holding the pick stays open
    assert page.locator(f"#slot-{chosen.value.lower().replace(':', '')}").is_checked()
    fill_details(page)
    page.set_viewport_size({"width": 375, "height": 740})
    save_screenshot(page, "booking-no-js-375")
    page.get_by_role("button", name="Request this call").click()
    page.wait_for_url("**/contact/book/sent/?request=*")
    local = chosen.start.astimezone(KOLKATA)
    expect(page.locator("main")).to_contain_text(f"{local:%H:%M} IST")
    booking = BookingRequest.objects.get()
    assert (booking.slot_start, booking.visitor_timezone) == (chosen.start, "Asia/Kolkata")
    # The calendar link is a plain download: it needs no script either.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to my calendar (tentative)").click()
    assert b"STATUS:TENTATIVE" in download_info.value.path().read_bytes()
    context.close()


@pytest.mark.browser_context_args(locale="en-GB", timezone_id="Asia/Kolkata")
def test_after_a_form_error_the_picker_still_shows_the_chosen_slot(live_server, page, site):
    page.goto(f"{live_server.url}/contact/book/")
    chosen = first_slots_of_first_day(site, KOLKATA)[-1]
    page.locator(".picker-slots label").last.click()
    page.get_by_role("button", name="Request this call").click()  # no name, email or topic yet
    expect(page.get_by_role("alert").filter(has_text="things need fixing")).to_be_focused()
    expect(page.get_by_label("Show times in")).to_have_value("Asia/Kolkata")
    expect(page.locator(".picker-slots input:checked + label")).to_have_text(time_range(chosen, KOLKATA))
    expect(page.locator("[data-summary-when]")).to_contain_text(time_range(chosen, KOLKATA))
    fill_details(page)
    page.get_by_role("button", name="Request this call").click()
    page.wait_for_url("**/contact/book/sent/?request=*")
    assert BookingRequest.objects.get().slot_start == chosen.start


@pytest.mark.browser_context_args(locale="en-US", timezone_id="America/New_York")
def test_times_follow_the_visitors_clock_habit_and_their_choice_is_remembered(live_server, page, site):
    page.goto(f"{live_server.url}/contact/book/")
    first = first_slots_of_first_day(site, NEW_YORK)[0]
    start, end = first.start.astimezone(NEW_YORK), first.end.astimezone(NEW_YORK)

    def twelve_hour(moment):
        return f"{moment.hour % 12 or 12}:{moment:%M} {'am' if moment.hour < 12 else 'pm'}"

    # An American browser reads 12-hour times.
    expect(page.get_by_role("button", name="12h clock")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".picker-slots label").first).to_have_text(f"{twelve_hour(start)}–{twelve_hour(end)}")
    page.locator(".picker-slots label").first.click()
    expect(page.locator("[data-summary-when]")).to_contain_text(twelve_hour(start))

    page.get_by_role("button", name="24h clock").click()
    expect(page.locator(".picker-slots label").first).to_have_text(time_range(first, NEW_YORK))
    expect(page.locator("[data-summary-when]")).to_contain_text(time_range(first, NEW_YORK))
    page.reload()
    expect(page.get_by_role("button", name="24h clock")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".picker-slots label").first).to_have_text(time_range(first, NEW_YORK))


@pytest.mark.browser_context_args(locale="en-GB", timezone_id="UTC")
def test_a_zone_the_browser_cannot_show_falls_back_to_the_servers_list(live_server, page, site):
    # As if this browser's time zone data predated Asia/Tokyo: Intl refuses it, the server still knows it.
    page.add_init_script(
        "const Original = Intl.DateTimeFormat;"
        "Intl.DateTimeFormat = function (locale, options) {"
        "  if (options && options.timeZone === 'Asia/Tokyo') throw new RangeError('Invalid time zone');"
        "  return new Original(locale, options); };"
        "Intl.DateTimeFormat.prototype = Original.prototype;"
    )
    page.goto(f"{live_server.url}/contact/book/")
    expect(page.locator("[data-picker]")).to_be_visible()
    page.get_by_label("Show times in").select_option("Asia/Tokyo")
    page.wait_for_url("**/contact/book/?tz=Asia%2FTokyo")
    expect(page.locator("[data-picker]")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Times in Asia/Tokyo")
    expect(page.locator(".slot-list label").first).to_have_text(time_range(site[0], ZoneInfo("Asia/Tokyo")))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_fallback_list_has_no_axe_violations_in_either_theme(live_server, page, site, scheme):
    # The page as a browser without JavaScript sees it (axe itself needs JavaScript, so only the picker is blocked).
    page.route("**/js/booking.js", lambda route: route.abort())
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server.url}/contact/book/")
    expect(page.locator(".slot-day-fold").first).to_be_visible()
    expect(page.locator("[data-picker]")).to_have_count(0)
    page.locator(".slot-day-fold summary").nth(1).click()
    assert axe_all(page) == []
