from datetime import time

from contact.models import AvailabilityWindow, BookingSettings

DEFAULT_WINDOW = (time(15), time(18))


def seed_contact(content):
    """Default intro-call availability: weekdays 15:00–18:00 UTC. Added only while there are no
    settings yet, so the owner's own windows (even none at all) are never overwritten. No messages."""
    if BookingSettings.objects.exists():
        return {"booking settings": 0, "availability windows": 0}
    settings = BookingSettings.objects.create(owner_timezone="UTC")
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(settings=settings, weekday=day, start=DEFAULT_WINDOW[0], end=DEFAULT_WINDOW[1])
        for day in range(5)
    )
    return {"booking settings": 1, "availability windows": 5}
