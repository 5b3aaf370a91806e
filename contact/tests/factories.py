import itertools
import socket
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from django.core import signing

from contact.forms import STARTED_SALT
from contact.models import AvailabilityWindow, BookingRequest, BookingSettings, ContactMessage, Topic

_counter = itertools.count(1)


def started(seconds_ago=60):
    """A form timestamp from `seconds_ago`, as if the visitor opened the page then."""
    return signing.dumps(time.time() - seconds_ago, salt=STARTED_SALT)


def contact_data(**overrides):
    data = {
        "name": "Grace Visitor",
        "email": "grace@example.org",
        "topic": Topic.DISTRIBUTED_SYSTEMS,
        "message": "I enjoyed your post on consensus. Could we talk about Raft?",
        "website": "",
        "started": started(),
        "about": "",
    }
    return data | overrides


def booking_data(slot_value, tz="UTC", **overrides):
    data = {
        "slot": slot_value,
        "tz": tz,
        "name": "Grace Visitor",
        "email": "grace@example.org",
        "topic": Topic.AGENTIC_ARCHITECTURE,
        "notes": "Agents and queues.",
        "website": "",
        "started": started(),
    }
    return data | overrides


def make_booking_settings(owner_timezone="UTC", weekdays=range(5), start=clock(15), end=clock(18), **overrides):
    """Settings with one window on each given weekday (by default Monday to Friday, 15:00–18:00)."""
    settings = BookingSettings.objects.create(owner_timezone=owner_timezone, **overrides)
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(settings=settings, weekday=day, start=start, end=end) for day in weekdays
    )
    return settings


def make_message(**overrides):
    fields = {
        "name": f"Visitor {next(_counter)}",
        "email": "visitor@example.org",
        "topic": Topic.OTHER,
        "message": "Hello there.",
    }
    return ContactMessage.objects.create(**fields | overrides)


def make_booking(slot_start=None, minutes=30, **overrides):
    slot_start = slot_start or (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    fields = {
        "slot_start": slot_start,
        "slot_end": slot_start + timedelta(minutes=minutes),
        "visitor_timezone": "UTC",
        "name": f"Visitor {next(_counter)}",
        "email": "visitor@example.org",
        "topic": Topic.OTHER,
    }
    return BookingRequest.objects.create(**fields | overrides)


def free_port():
    """A port nothing listens on right now, so parallel test runs never collide on a fixed one."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
