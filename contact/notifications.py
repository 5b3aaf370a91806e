"""Emails about messages and bookings: to the owner (retried until sent), and to the visitor."""

import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from contact.about import resolve_about
from contact.models import BookingRequest, BookingSettings, ContactMessage
from contact.slots import format_when
from contact.text import has_control_characters, without_bidi_controls
from portfolio.links import absolute_url
from portfolio.models import SiteProfile

logger = logging.getLogger(__name__)

CANCEL_SALT = "contact.booking.cancel"
CANCEL_MAX_AGE = timedelta(days=90)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def single_line(value, limit=80):
    """Whatever a visitor typed, as one short line that is safe in an email header."""
    text = " ".join(_CONTROL.sub(" ", without_bidi_controls(str(value))).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cancel_token(booking):
    return signing.dumps({"booking": booking.pk}, salt=CANCEL_SALT)


def _booking_from_token(token, bookings, salt, max_age):
    """The booking a signed link names, among `bookings`, or None for a forged, mangled or expired link."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    return bookings.filter(pk=data.get("booking")).first()


def booking_from_cancel_token(token):
    """The booking a cancel link points at, or None for a forged, mangled or expired link."""
    return _booking_from_token(token, BookingRequest.objects.all(), CANCEL_SALT, CANCEL_MAX_AGE)


def cancel_url(booking):
    return absolute_url(reverse("contact:booking_cancel", args=[cancel_token(booking)]))


def visitor_reply_to(obj):
    # The forms refuse such addresses; a row from elsewhere (the admin, an import) still can't reach a header.
    return None if has_control_characters(obj.email) else [obj.email]


def _email(subject, template, context, to, reply_to=None):
    text = render_to_string(f"contact/email/{template}.txt", context)
    html = render_to_string(f"contact/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=single_line(subject, 150),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    )
    message.attach_alternative(html, "text/html")
    return message


def _context(obj, profile):
    is_booking = isinstance(obj, BookingRequest)
    context = {
        "obj": obj,
        "profile": profile,
        "owner_name": profile.owner_name if profile else "",
        "name": single_line(obj.name, 100),
        "topic": obj.get_topic_display(),
        "site_url": settings.SITE_URL,
        "is_booking": is_booking,
    }
    if is_booking:
        owner_zone = BookingSettings.load().zone
        context |= {
            "when_owner": format_when(obj.slot_start, owner_zone),
            "when_visitor": format_when(obj.slot_start, ZoneInfo(obj.visitor_timezone)),
            "minutes": int((obj.slot_end - obj.slot_start).total_seconds() // 60),
            "cancel_url": cancel_url(obj),
            "admin_url": absolute_url(reverse("admin:contact_bookingrequest_change", args=[obj.pk])),
        }
    else:
        context |= {
            "about": resolve_about(obj.about),
            "admin_url": absolute_url(reverse("admin:contact_contactmessage_change", args=[obj.pk])),
        }
    return context


def owner_email(obj, profile):
    context = _context(obj, profile)
    if context["is_booking"]:
        subject = f"[Intro call] {context['when_owner']} with {context['name']}"
        template = "booking_owner"
    else:
        subject = f"[Contact] {context['topic']} from {context['name']}"
        template = "message_owner"
    return _email(subject, template, context, [profile.contact_email], reply_to=visitor_reply_to(obj))


# The acknowledgement goes to whatever address the visitor typed, so it carries only our own words:
# echoing their name, message or notes would let anyone send their text through us to anyone.
ACKNOWLEDGEMENT_CONTEXT = ("owner_name", "site_url", "is_booking", "when_visitor", "minutes", "cancel_url")


def acknowledgement_email(obj, profile):
    context = {key: value for key, value in _context(obj, profile).items() if key in ACKNOWLEDGEMENT_CONTEXT}
    if context["is_booking"]:
        subject, template = f"Your intro-call request for {context['when_visitor']}", "booking_ack"
    else:
        subject, template = "Thanks for your message", "message_ack"
    return _email(subject, template, context, [obj.email], reply_to=[profile.contact_email])


CALENDAR_SALT = "contact.booking.calendar"
CALENDAR_MAX_AGE = timedelta(days=30)


def calendar_token(booking):
    """For the thank-you page's "Add to my calendar" link. Its own salt, so it can never cancel a call."""
    return signing.dumps({"booking": booking.pk}, salt=CALENDAR_SALT)


def booking_from_calendar_token(token):
    """The live booking a calendar link points at, or None for a forged, expired or no longer live one."""
    return _booking_from_token(token, BookingRequest.objects.live(), CALENDAR_SALT, CALENDAR_MAX_AGE)


def booking_uid(booking):
    """One UID per booking, for the tentative entry, the invite and its cancellation alike."""
    return f"booking-{booking.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}"


def tentative_booking_ics(booking, profile):
    """The visitor's own calendar entry, right after requesting: tentative until the owner confirms.

    PUBLISH, not REQUEST: it is a copy for their calendar, not an invitation, and it carries none of
    the visitor's details (nor the cancel link), as anyone holding the link could download it. The
    invite later has the same UID, so it replaces this entry.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Portfolio//Intro calls//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("sequence", 0)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.slot_start)
    event.add("dtend", booking.slot_end)
    owner = profile.owner_name if profile and profile.owner_name else "the site owner"
    event.add("summary", f"Intro call with {owner} (requested)")
    event.add("description", "Requested, not yet confirmed: the confirmation email brings the final invite.")
    event.add("status", "TENTATIVE")
    event.add("url", absolute_url(reverse("contact:booking_form")))
    calendar.add_component(event)
    return calendar.to_ical()


def booking_ics(booking, profile, method="REQUEST"):
    """An invite (or, with method CANCEL, its withdrawal) in UTC, under a UID that stays the same for this
    booking, so a calendar replaces or removes the event it already has."""
    cancelling = method == "CANCEL"
    calendar = Calendar()
    calendar.add("prodid", "-//Portfolio//Intro calls//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("sequence", 1 if cancelling else 0)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.slot_start)
    event.add("dtend", booking.slot_end)
    event.add("summary", f"Intro call with {profile.owner_name}")
    if not cancelling:
        event.add("description", f"{booking.get_topic_display()}. To cancel: {cancel_url(booking)}")
    event.add("status", "CANCELLED" if cancelling else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{profile.contact_email}")
    organizer.params["cn"] = vText(profile.owner_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.email}")
    attendee.params["cn"] = vText(single_line(booking.name, 100))
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def status_email(booking):
    """The email a booking's transition owes: the invite (.ics), the polite decline, or the cancellation,
    which goes to whoever didn't cancel. Raises when there is no contact email to send from or to."""
    profile = SiteProfile.load()
    if profile is None or not profile.contact_email:
        raise ValueError("No contact email configured: add one to the site profile in the admin.")
    context = _context(booking, profile)
    to_visitor = {"to": [booking.email], "reply_to": [profile.contact_email]}
    Status = BookingRequest.Status
    if booking.status == Status.CONFIRMED:
        email = _email(f"Intro call confirmed: {context['when_visitor']}", "booking_confirmed", context, **to_visitor)
        email.attach("intro-call.ics", booking_ics(booking, profile), "text/calendar; method=REQUEST")
        return email
    if booking.status == Status.DECLINED:
        return _email("About your intro-call request", "booking_declined", context, **to_visitor)
    if booking.status != Status.CANCELLED:
        raise ValueError(f"A {booking.status} booking has no status email.")
    if booking.cancelled_by == BookingRequest.CancelledBy.VISITOR:
        subject = f"[Intro call] Cancelled: {context['when_owner']} with {context['name']}"
        return _email(
            subject, "booking_cancelled_owner", context, [profile.contact_email], reply_to=visitor_reply_to(booking)
        )
    email = _email(f"Intro call cancelled: {context['when_visitor']}", "booking_cancelled", context, **to_visitor)
    if booking.decided_at is not None:  # it was confirmed, so the visitor's calendar holds the invite
        email.attach("intro-call.ics", booking_ics(booking, profile, "CANCEL"), "text/calendar; method=CANCEL")
    return email


def _claim(obj):
    """Count this attempt, unless the email went out already or another sender is still on it."""
    now = timezone.now()
    # Every finished attempt records its outcome (notified_at or last_error), so a recent attempt with
    # neither is still in flight. The claim clears last_error to mark its own attempt that way.
    in_flight = Q(last_attempt_at__gt=now - obj.SEND_LEASE, last_error="")
    claimed = (
        type(obj)
        .objects.filter(pk=obj.pk, notified_at__isnull=True)
        .exclude(in_flight)
        .update(notify_attempts=F("notify_attempts") + 1, last_attempt_at=now, last_error="")
    )
    if claimed:
        obj.notify_attempts += 1
        obj.last_attempt_at = now
        obj.last_error = ""
    return bool(claimed)


def _record(obj, **fields):
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)


def send_owner_notification(obj):
    """Email the owner about a stored message or booking; returns "sent", "failed" or "skipped".

    The row records every attempt and error, so `send_pending_notifications` can retry it.
    """
    obj = type(obj).objects.filter(pk=obj.pk).first()
    if obj is None or obj.status == "spam" or not _claim(obj):
        return "skipped"
    profile = SiteProfile.load()
    if profile is None or not profile.contact_email:
        _record(obj, last_error="No contact email configured: add one to the site profile in the admin.")
        return "failed"
    try:
        owner_email(obj, profile).send()
    except Exception as exc:  # SMTP down, refused, timed out, bad header: all recorded, all retried
        logger.warning("Could not email the owner about %s %s: %s", obj._meta.model_name, obj.pk, exc)
        _record(obj, last_error=f"{type(exc).__name__}: {exc}"[:1000])
        return "failed"
    _record(obj, notified_at=timezone.now(), last_error="")
    if profile.acknowledge_visitors:
        # A courtesy: if it fails, the owner (who has the message) can still reply by hand.
        try:
            acknowledgement_email(obj, profile).send()
        except Exception as exc:
            logger.warning("Could not acknowledge %s %s: %s", obj._meta.model_name, obj.pk, exc)
            _record(obj, last_error=f"Owner emailed; the visitor's acknowledgement failed: {exc}"[:1000])
    return "sent"


def pending(now=None, ignore_backoff=False):
    """Unsent owner notifications whose retry time has come, oldest first."""
    now = now or timezone.now()
    rows = [*ContactMessage.objects.unsent(), *BookingRequest.objects.unsent()]
    due = (row for row in rows if ignore_backoff or row.is_retry_due(now))
    return sorted(due, key=lambda row: row.created_at)
