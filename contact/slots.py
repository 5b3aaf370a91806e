"""Free intro-call slots: the owner's weekly windows, minus notice, horizon, dates off and live requests."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from django.utils import timezone


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC

    @property
    def value(self):
        """The form value: the start in UTC, unambiguous whatever zone the visitor is in."""
        return self.start.strftime("%Y-%m-%dT%H:%MZ")


def candidate_slots(booking_settings, now=None, windows=None, dates_off=None):
    """Every bookable slot in the horizon, before removing the ones already requested.

    Windows are in the owner's zone and stepped in UTC, so a DST change moves
    the UTC times of a window but never stretches or shrinks its slots.
    """
    now = now or timezone.now()
    saved = not booking_settings._state.adding
    if windows is None:
        windows = list(booking_settings.windows.all()) if saved else []
    if dates_off is None:
        dates_off = set(booking_settings.dates_off.values_list("date", flat=True)) if saved and windows else set()
    if not windows or not booking_settings.slot_minutes:
        return []
    zone = booking_settings.zone
    length = timedelta(minutes=booking_settings.slot_minutes)
    earliest = now + timedelta(hours=booking_settings.min_notice_hours)
    latest = now + timedelta(days=booking_settings.horizon_days)
    by_weekday = {}
    for window in windows:
        by_weekday.setdefault(window.weekday, []).append(window)

    slots = set()
    day = earliest.astimezone(zone).date()
    while day <= latest.astimezone(zone).date():
        if day not in dates_off:
            for window in by_weekday.get(day.weekday(), []):
                start = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
                end = datetime.combine(day, window.end, tzinfo=zone).astimezone(UTC)
                while start + length <= end:
                    if earliest <= start <= latest:
                        slots.add(Slot(start, start + length))
                    start += length
        day += timedelta(days=1)
    return sorted(slots, key=lambda slot: slot.start)


def free_slots(slots, taken):
    """The slots whose start is not in `taken` (the starts of live requests)."""
    return [slot for slot in slots if slot.start not in taken]


def slot_data(slots):
    """[{"start", "end"}] as UTC instants: all the picker needs to show the slots in any zone."""
    return [{"start": slot.value, "end": f"{slot.end:%Y-%m-%dT%H:%MZ}"} for slot in slots]


def group_by_day(slots, zone_name):
    """[(day label, [(slot, time label)])] in the visitor's zone, for the booking page."""
    zone = ZoneInfo(zone_name)
    days = []
    for day, day_slots in groupby(slots, key=lambda slot: slot.start.astimezone(zone).date()):
        days.append((f"{day:%A} {day.day} {day:%B}", [(slot, format_time_range(slot, zone)) for slot in day_slots]))
    return days


def format_time_range(slot, zone):
    return f"{slot.start.astimezone(zone):%H:%M}–{slot.end.astimezone(zone):%H:%M}"


def format_when(start, zone):
    """E.g. "Tue 1 Dec 2026, 15:00 UTC", for subjects and emails."""
    local = start.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"
