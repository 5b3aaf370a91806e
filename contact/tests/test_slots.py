from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from contact.models import BookingSettings, DateOff
from contact.slots import candidate_slots, format_when, free_slots, group_by_day
from contact.tests.factories import make_booking_settings

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def at(*args):
    return datetime(*args, tzinfo=UTC)


def test_the_default_availability_is_weekdays_from_15_to_18_in_half_hour_slots():
    settings = make_booking_settings()
    # Monday 2 March 2026, 00:00 UTC: with 12 h notice, Monday's window is still open.
    slots = candidate_slots(settings, now=at(2026, 3, 2))
    monday = [slot for slot in slots if slot.start.date() == date(2026, 3, 2)]
    assert [slot.start.time() for slot in monday] == [
        time(15),
        time(15, 30),
        time(16),
        time(16, 30),
        time(17),
        time(17, 30),
    ]
    assert all(slot.end - slot.start == timedelta(minutes=30) for slot in slots)
    assert {slot.start.weekday() for slot in slots} == {0, 1, 2, 3, 4}


def test_visitor_times_shift_across_the_new_york_dst_change():
    # US clocks go forward on Sunday 8 March 2026; the owner's UTC window does not move.
    settings = make_booking_settings()
    slots = candidate_slots(settings, now=at(2026, 3, 4))
    days = dict(group_by_day(slots, "America/New_York"))
    assert days["Friday 6 March"][0][1] == "10:00–10:30"  # EST, UTC-5
    assert days["Monday 9 March"][0][1] == "11:00–11:30"  # EDT, UTC-4
    assert format_when(at(2026, 3, 6, 15), NEW_YORK) == "Fri 6 Mar 2026, 10:00 EST"
    assert format_when(at(2026, 3, 9, 15), NEW_YORK) == "Mon 9 Mar 2026, 11:00 EDT"


def test_an_owner_in_new_york_keeps_local_hours_across_their_dst_change():
    settings = make_booking_settings(owner_timezone="America/New_York", weekdays=range(7), start=time(9), end=time(10))
    slots = candidate_slots(settings, now=at(2026, 3, 6))
    starts = {}
    for slot in slots:
        starts.setdefault(slot.start.astimezone(NEW_YORK).date(), slot.start)
    assert starts[date(2026, 3, 7)] == at(2026, 3, 7, 14)  # 09:00 EST
    assert starts[date(2026, 3, 8)] == at(2026, 3, 8, 13)  # 09:00 EDT, the day clocks change
    assert all(slot.start.astimezone(NEW_YORK).time() in (time(9), time(9, 30)) for slot in slots)


def test_a_window_spanning_the_skipped_hour_yields_only_real_half_hours():
    settings = make_booking_settings(owner_timezone="America/New_York", weekdays=[6], start=time(1), end=time(4))
    slots = [s for s in candidate_slots(settings, now=at(2026, 3, 7)) if s.start.date() == date(2026, 3, 8)]
    # 01:00 EST to 04:00 EDT is only two real hours.
    assert len(slots) == 4 and all(slot.end - slot.start == timedelta(minutes=30) for slot in slots)


def test_slots_inside_the_minimum_notice_are_hidden():
    settings = make_booking_settings(min_notice_hours=12)
    slots = candidate_slots(settings, now=at(2026, 3, 2, 4))  # Monday 04:00 UTC: 15:00 is 11 h away
    assert slots[0].start == at(2026, 3, 2, 16)
    settings.min_notice_hours = 0
    assert candidate_slots(settings, now=at(2026, 3, 2, 15, 10))[0].start == at(2026, 3, 2, 15, 30)


def test_slots_beyond_the_horizon_are_hidden():
    settings = make_booking_settings(horizon_days=7)
    slots = candidate_slots(settings, now=at(2026, 3, 2))
    assert max(slot.start for slot in slots) <= at(2026, 3, 9)
    assert slots[-1].start.date() == date(2026, 3, 6)
    settings.horizon_days = 21
    assert candidate_slots(settings, now=at(2026, 3, 2))[-1].start.date() == date(2026, 3, 20)


def test_dates_off_have_no_slots():
    settings = make_booking_settings()
    DateOff.objects.create(settings=settings, date=date(2026, 3, 3), note="Conference")
    days = {slot.start.date() for slot in candidate_slots(settings, now=at(2026, 3, 2))}
    assert date(2026, 3, 3) not in days and date(2026, 3, 4) in days


def test_no_settings_means_no_slots():
    assert candidate_slots(BookingSettings.load(), now=at(2026, 3, 2)) == []


def test_a_slot_value_is_its_start_in_utc():
    settings = make_booking_settings()
    slot = candidate_slots(settings, now=at(2026, 3, 2))[0]
    assert slot.value == "2026-03-02T15:00Z"


def test_free_slots_leave_out_the_taken_starts():
    settings = make_booking_settings()
    slots = candidate_slots(settings, now=at(2026, 3, 2))
    assert free_slots(slots, {slots[1].start}) == [slots[0], *slots[2:]]
