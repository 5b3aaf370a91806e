import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contact import views
from contact.models import BookingRequest, BookingSettings
from contact.notifications import cancel_token, cancel_url
from contact.slots import candidate_slots
from contact.tests.factories import booking_data, make_booking, make_booking_settings
from portfolio.cache import content_version
from portfolio.tests.factories import make_profile

BOOK = reverse("contact:booking_form")


@pytest.fixture
def slots(db):
    make_profile()
    make_booking_settings(weekdays=range(7))
    return candidate_slots(BookingSettings.load())


def slot_values(response):
    return [slot.value for _, day in response.context["days"] for slot, _ in day]


@pytest.mark.django_db
def test_the_page_lists_free_slots_by_day_in_utc_without_javascript(client, slots):
    response = client.get(BOOK)
    assert response.status_code == 200
    assert response.context["zone"] == "UTC"
    assert slot_values(response) == [slot.value for slot in slots]
    html = response.content.decode()
    assert "Times in UTC" in html and 'class="slot-day"' in html
    assert f"{slots[0].start:%H:%M}–{slots[0].end:%H:%M}" in html
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_page_shows_times_in_the_chosen_zone(client, slots):
    response = client.get(BOOK, {"tz": "Asia/Kolkata"})
    first_day, first_slots = response.context["days"][0]
    slot, label = first_slots[0]
    local = slot.start + timedelta(hours=5, minutes=30)
    assert label.startswith(f"{local:%H:%M}–")
    assert '<option value="Asia/Kolkata" selected>' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "../../etc", "<script>", "x" * 300])
def test_an_unknown_zone_falls_back_to_utc_with_a_note(client, slots, tz):
    response = client.get(BOOK, {"tz": tz})
    assert response.status_code == 200 and response.context["zone"] == "UTC"
    assert "isn’t one I know, so times are shown in UTC" in response.content.decode()


@pytest.mark.django_db
def test_a_request_is_stored_in_utc_with_the_visitors_zone_and_its_slot_disappears(client, slots, submit):
    response = submit(BOOK, booking_data(slots[3].value, tz="America/New_York"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("contact:booking_sent") + "?request=")
    booking = BookingRequest.objects.get()
    assert (booking.slot_start, booking.slot_end) == (slots[3].start, slots[3].end)
    assert booking.slot_start.utcoffset() == timedelta(0)
    assert booking.visitor_timezone == "America/New_York"
    assert booking.status == BookingRequest.Status.REQUESTED
    assert booking.notified_at is not None and len(mail.outbox) == 2
    assert slots[3].value not in slot_values(client.get(BOOK))
    sent = client.get(response["Location"]).content.decode()
    assert "Your call is requested" in sent


@pytest.mark.django_db
def test_a_taken_slot_is_refused_with_the_remaining_slots_shown(client, slots):
    make_booking(slot_start=slots[0].start)
    response = client.post(BOOK, booking_data(slots[0].value))
    assert response.status_code == 200
    assert response.context["form"].errors["slot"] == ["Sorry, that slot was just taken. Please pick another time."]
    assert slot_values(response) == [slot.value for slot in slots[1:]]
    assert 'value="Grace Visitor"' in response.content.decode()  # the visitor's details are kept
    assert BookingRequest.objects.count() == 1


@pytest.mark.django_db
def test_losing_the_race_at_the_database_shows_that_the_slot_was_just_taken(client, slots, monkeypatch):
    count_submission = views.ratelimit.count_submission

    def rival_commits_first(scope, request):
        # Called after the form's "is it free?" check and before our insert: a rival's request lands now.
        make_booking(slot_start=slots[0].start)
        monkeypatch.setattr(views.ratelimit, "count_submission", count_submission)
        return count_submission(scope, request)

    monkeypatch.setattr(views.ratelimit, "count_submission", rival_commits_first)
    response = client.post(BOOK, booking_data(slots[0].value))
    assert response.status_code == 200
    assert response.context["form"].errors["slot"] == ["Sorry, that slot was just taken. Please pick another time."]
    assert slots[0].value not in slot_values(response)
    assert BookingRequest.objects.live().count() == 1
    # The first try spent its single-use token, so the page carries a new one: picking another slot works.
    retry = booking_data(slots[1].value, started=response.context["form"].data["started"])
    assert client.post(BOOK, retry).status_code == 302
    assert BookingRequest.objects.get(slot_start=slots[1].start).status == BookingRequest.Status.REQUESTED


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "2020-01-01T15:00Z", "2026-13-45T99:99Z", "not a slot"])
def test_past_or_made_up_slots_are_refused(client, slots, value):
    response = client.post(BOOK, booking_data(value))
    assert response.status_code == 200 and "slot" in response.context["form"].errors
    assert not BookingRequest.objects.exists()


@pytest.mark.django_db
def test_a_slot_off_the_grid_is_refused(client, slots):
    off_grid = (slots[0].start + timedelta(minutes=7)).strftime("%Y-%m-%dT%H:%MZ")
    response = client.post(BOOK, booking_data(off_grid))
    assert response.context["form"].errors["slot"] == ["That time is no longer available. Please pick another one."]


@pytest.mark.django_db
def test_a_spam_booking_is_stored_but_holds_no_slot_and_is_not_emailed(client, slots, submit):
    submit(BOOK, booking_data(slots[0].value, website="http://spam.example"))
    booking = BookingRequest.objects.get()
    assert booking.status == BookingRequest.Status.SPAM and booking.spam_reason
    assert mail.outbox == []
    assert slots[0].value in slot_values(client.get(BOOK))


@pytest.mark.django_db
def test_the_database_refuses_two_live_requests_for_one_slot(slots):
    start = slots[0].start
    make_booking(slot_start=start)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_booking(slot_start=start, status=BookingRequest.Status.CONFIRMED)
    # Declined, cancelled and spam requests free the slot.
    for status in ("declined", "cancelled", "spam"):
        make_booking(slot_start=start, status=status)
    assert BookingRequest.objects.filter(slot_start=start).count() == 4


@pytest.mark.django_db
def test_cancelling_frees_the_slot_for_a_new_request(slots):
    booking = make_booking(slot_start=slots[0].start)
    booking.status = BookingRequest.Status.CANCELLED
    booking.save()
    make_booking(slot_start=slots[0].start)
    assert BookingRequest.objects.live().count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Needs real concurrent transactions: runs on the Postgres leg of CI."
)
def test_two_visitors_racing_for_one_slot_leave_exactly_one_live_request(slots, monkeypatch):
    barrier = threading.Barrier(2, timeout=10)
    real_store = views.store

    def store_together(*args, **kwargs):
        barrier.wait()  # both requests have passed the "is it free?" check before either inserts
        return real_store(*args, **kwargs)

    monkeypatch.setattr(views, "store", store_together)
    statuses = []

    def visit(address):
        try:
            response = Client(REMOTE_ADDR=address).post(BOOK, booking_data(slots[0].value))
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=visit, args=(f"10.0.0.{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 302]  # one winner, one "that slot was just taken"
    assert BookingRequest.objects.live().filter(slot_start=slots[0].start).count() == 1


@pytest.mark.django_db
def test_the_cancel_link_asks_first_then_cancels_and_frees_the_slot(client, slots):
    booking = make_booking(slot_start=slots[0].start)
    url = cancel_url(booking).removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200 and "Cancel your intro call?" in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingRequest.Status.REQUESTED  # a GET (e.g. a link scanner) changes nothing
    response = client.post(url)
    assert "Your call is cancelled" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingRequest.Status.CANCELLED
    assert slots[0].value in slot_values(client.get(BOOK))
    assert "Your call is cancelled" in client.post(url).content.decode()  # twice is harmless


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["garbage", "eyJib29raW5nIjoxfQ:1vABCD:forged", "a" * 500])
def test_a_bad_cancel_link_gets_a_clear_page(client, token):
    for response in (client.get(f"/contact/book/cancel/{token}/"), client.post(f"/contact/book/cancel/{token}/")):
        assert response.status_code == 400
        assert "This cancel link doesn’t work" in response.content.decode()


@pytest.mark.django_db
def test_an_expired_cancel_link_gets_a_clear_page(client, slots, monkeypatch):
    booking = make_booking(slot_start=slots[0].start)
    token = cancel_token(booking)
    later = timezone.now().timestamp() + timedelta(days=91).total_seconds()
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert client.get(f"/contact/book/cancel/{token}/").status_code == 400


@pytest.mark.django_db
def test_the_cancel_link_does_not_cancel_a_declined_request(client, slots):
    booking = make_booking(slot_start=slots[0].start, status=BookingRequest.Status.DECLINED)
    response = client.post(f"/contact/book/cancel/{cancel_token(booking)}/")
    assert "Nothing to cancel" in response.content.decode()


@pytest.mark.django_db
def test_with_no_availability_the_page_suggests_a_message_instead(client):
    response = client.get(BOOK)
    assert response.status_code == 200
    assert "No times are open" in response.content.decode()


@pytest.mark.django_db
def test_the_booking_page_costs_a_fixed_number_of_queries(client, slots, django_assert_num_queries):
    for slot in slots[:10]:
        make_booking(slot_start=slot.start)
    # Settings, windows, dates off, live requests; then the profile and links every page loads, with the
    # content version they are kept under (read by a fresh process, then at most once a second).
    content_version()  # its row exists, as it always does but after a test database flush
    with django_assert_num_queries(7):
        client.get(BOOK, {"tz": "Europe/Berlin"})


@pytest.mark.django_db
def test_the_contact_page_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    make_profile()
    # The profile and links, with the content version they are kept under: a fresh process's cost.
    content_version()  # its row exists, as it always does but after a test database flush
    with django_assert_num_queries(3):
        client.get(reverse("contact:contact_form"))
    with django_assert_num_queries(0):
        client.get(reverse("contact:contact_form"))


@pytest.mark.django_db
def test_without_javascript_only_the_first_day_and_the_visitors_pick_are_unfolded(client, slots):
    html = client.get(BOOK).content.decode()
    assert html.count('<details class="slot-day-fold" open>') == 1
    assert html.index('<details class="slot-day-fold" open>') == html.index('<details class="slot-day-fold"')
    response = client.post(BOOK, booking_data(slots[-1].value, name=""))  # an error re-renders the form
    assert response.context["open_day"] == response.context["days"][-1][0]
    assert response.content.decode().count('<details class="slot-day-fold" open>') == 2
