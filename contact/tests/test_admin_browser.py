"""The booking admin as the owner sees it, at 1280 px, under the site's real CSP."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from contact.models import BookingRequest, ContactMessage, Topic
from contact.tests.factories import make_booking, make_booking_settings, make_message
from portfolio.tests.factories import make_profile

pytestmark = [
    pytest.mark.browser,
    # The owner's laptop, with the CSP enforced (no bypass), as in real life.
    pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800}, bypass_csp=False),
]
PASSWORD = "a-long-test-password"
LONG_NAME = "Maximiliane Alexandra von Hohenzollern-Sigmaringen"
UNBROKEN = ("Supercalifragilisticexpialidocious" * 3)[:100]  # what a bot might type, as long as a name may be
LONG_EMAIL = "maximiliane.alexandra.von.hohenzollern-sigmaringen@a-rather-long-university.example.org"


@pytest.fixture
def owner_page(live_server, page, transactional_db):
    """A logged-in owner (see the module's window size and CSP below)."""
    make_profile()
    make_booking_settings(owner_timezone="Europe/Berlin")
    User.objects.create_superuser("owner", "owner@example.com", PASSWORD)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return page


def test_the_owner_confirms_a_booking_from_its_change_form(live_server, owner_page, screenshot):
    page = owner_page
    booking = make_booking(
        name="Grace Visitor", email="grace@example.org", topic=Topic.DISTRIBUTED_SYSTEMS, notes="Raft at the edge."
    )
    page.goto(f"{live_server.url}/admin/contact/bookingrequest/{booking.pk}/change/")
    assert page.locator("select[name=status]").count() == 0  # the status is read-only here
    assert page.locator(".field-status .readonly").inner_text() == "Requested"
    buttons = page.locator("button[name=_transition]")
    assert buttons.all_inner_texts() == [
        "Confirm and send the invite",
        "Decline politely",
        "Cancel the call and tell the visitor",
    ]
    screenshot("admin-booking-change-form-1280")

    page.get_by_role("button", name="Confirm and send the invite").click()
    page.wait_for_load_state()
    assert "Confirmed 1 request. Emailed the invite to 1 visitor." in page.locator(".messagelist").inner_text()
    assert page.locator(".field-status .readonly").inner_text() == "Confirmed"
    assert page.locator(".field-decided_at .readonly").inner_text() != "-"
    assert buttons.all_inner_texts() == ["Cancel the call and tell the visitor"]
    screenshot("admin-booking-confirmed-1280")
    booking.refresh_from_db()
    assert booking.status == BookingRequest.Status.CONFIRMED and booking.decided_at is not None
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Intro call confirmed"]


def test_pressing_enter_in_a_field_saves_the_booking_without_deciding(live_server, owner_page):
    page = owner_page
    booking = make_booking(name="Grace Visitr")
    page.goto(f"{live_server.url}/admin/contact/bookingrequest/{booking.pk}/change/")
    page.fill("#id_name", "Grace Visitor")
    page.press("#id_name", "Enter")
    page.wait_for_url("**/admin/contact/bookingrequest/")  # "Save" goes back to the list
    booking.refresh_from_db()
    assert (booking.name, booking.status) == ("Grace Visitor", BookingRequest.Status.REQUESTED)
    assert mail.outbox == []


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800}, bypass_csp=True)  # to inject axe
def test_the_booking_decision_controls_have_no_serious_accessibility_violations(live_server, owner_page, settings):
    # Scoped to what this app adds: Django's own breadcrumbs fail "link-in-text-block" on every admin page.
    booking = make_booking()
    owner_page.goto(f"{live_server.url}/admin/contact/bookingrequest/{booking.pk}/change/")
    owner_page.add_script_tag(path=str(settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"))
    results = owner_page.evaluate(
        """async () => await axe.run(
            {include: [['#booking-decision'], ['.booking-decision-link'], ['.field-status']]},
            {resultTypes: ['violations']})"""
    )
    assert [v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")] == []


def fill_lists():
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    for hour in range(6):
        make_booking(
            slot_start=start + timedelta(hours=hour),
            name=LONG_NAME if hour else UNBROKEN,
            email=LONG_EMAIL,
            topic=Topic.COLLABORATION,
            notes="A long note " * 40,
            status=BookingRequest.Status.CONFIRMED if hour % 2 else BookingRequest.Status.REQUESTED,
        )
        make_message(
            name=LONG_NAME if hour else UNBROKEN,
            email=LONG_EMAIL,
            topic=Topic.COLLABORATION,
            about="a-very-long-post-slug-about-consensus-protocols-in-practice-and-their-failure-modes",
            message="A long message " * 100,
            status=ContactMessage.Status.READ if hour % 2 else ContactMessage.Status.NEW,
        )


def overflow(page):
    """How far the page, and the list's own box, stick out to the right of the window."""
    return page.evaluate(
        """() => {
            const results = document.querySelector('#changelist .results');
            return {
                page: document.documentElement.scrollWidth - window.innerWidth,
                results: results ? results.scrollWidth - results.clientWidth : 0,
            };
        }"""
    )


@pytest.mark.parametrize(
    "url", ["/admin/contact/contactmessage/", "/admin/contact/bookingrequest/", "/admin/contact/bookingsettings/"]
)
def test_contact_admin_lists_fit_a_1280px_screen(live_server, owner_page, screenshot, url):
    fill_lists()
    page = owner_page
    page.goto(live_server.url + url)
    name = url.strip("/").replace("/", "-")
    screenshot(f"{name}-1280")
    assert overflow(page) == {"page": 0, "results": 0}
    if "settings" not in url:
        # Squeezed to fit, the name column would break inside ordinary words ("Maximil|iane").
        assert names_break_only_between_words(page)


def names_break_only_between_words(page):
    """Whether the name column is as wide as the longest word of the first ordinary visitor name."""
    return page.evaluate(
        """() => {
            const link = [...document.querySelectorAll('#result_list .field-name a')]
                .find(a => a.textContent.startsWith('Maximiliane'));
            const probe = document.createElement('span');
            probe.style.whiteSpace = 'nowrap';
            link.parentElement.appendChild(probe);
            const widest = Math.max(...link.textContent.split(/[\\s-]+/).map(word => {
                probe.textContent = word;
                return probe.getBoundingClientRect().width;
            }));
            probe.remove();
            return link.getBoundingClientRect().width >= widest;
        }"""
    )
