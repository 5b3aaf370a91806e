from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from portfolio.models import SingletonModel


class Topic(models.TextChoices):
    DISTRIBUTED_SYSTEMS = "distributed-systems", "Distributed systems"
    AGENTIC_ARCHITECTURE = "agentic-architecture", "Agentic architecture"
    COLLABORATION = "collaboration", "Collaboration on a project"
    OTHER = "other", "Other"


def validate_timezone(value):
    if value not in available_timezones():
        raise ValidationError("Pick a time zone from the list, e.g. Europe/Berlin or UTC.")


class NotificationQuerySet(models.QuerySet):
    def unsent(self):
        """Rows whose owner notification has not gone out yet; spam is never emailed."""
        return self.filter(notified_at__isnull=True).exclude(status="spam")


class Notified(models.Model):
    """Delivery bookkeeping for the owner's email, so a failed send is retried rather than lost."""

    # Retries wait 1, 2, 4 … minutes after each failure, at most an hour.
    RETRY_BASE = timedelta(minutes=1)
    RETRY_MAX = timedelta(hours=1)
    # A claimed send that recorded no outcome is taken to be still on its way for this long, even by
    # `send_pending_notifications --now`; after it, the sender is presumed dead and the row is retried.
    SEND_LEASE = timedelta(minutes=5)

    notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the email to you went out. Empty: not yet emailed."
    )
    notify_attempts = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="How many times sending the email to you was tried."
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="The latest try.")
    last_error = models.TextField(blank=True, editable=False, help_text="Why the latest try failed, if it did.")

    class Meta:
        abstract = True

    def retry_due_at(self):
        if self.last_attempt_at is None:
            return None
        delay = min(self.RETRY_BASE * 2 ** max(self.notify_attempts - 1, 0), self.RETRY_MAX)
        return self.last_attempt_at + delay

    def is_retry_due(self, now=None):
        due = self.retry_due_at()
        return due is None or due <= (now or timezone.now())


class ContactMessage(Notified):
    class Status(models.TextChoices):
        NEW = "new", "New"
        READ = "read", "Read"
        REPLIED = "replied", "Replied"
        SPAM = "spam", "Spam"
        ARCHIVED = "archived", "Archived"

    name = models.CharField(max_length=100, help_text="The visitor's name.")
    email = models.EmailField(help_text="The visitor's address; replying to the notification email goes here.")
    topic = models.CharField(max_length=30, choices=Topic.choices, help_text="What the visitor wants to talk about.")
    message = models.TextField(max_length=5000, help_text="What they wrote.")
    about = models.SlugField(
        max_length=200, blank=True, help_text="The slug of the post or project they were reading, if any."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.NEW, help_text="Where this message is in your inbox."
    )
    spam_reason = models.CharField(
        max_length=200, blank=True, help_text="Why it was flagged as spam (spam is stored, never emailed)."
    )
    ip_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="A keyed hash of the sender's IP; the IP is not stored."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, help_text="When it was sent.")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = "contact message"

    def __str__(self):
        return f"{self.get_topic_display()} from {self.name}"


class BookingSettings(SingletonModel):
    """How intro calls can be booked (one row)."""

    owner_timezone = models.CharField(
        "your time zone",
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="The zone your availability windows are written in, e.g. Europe/Berlin.",
    )
    slot_minutes = models.PositiveSmallIntegerField(
        "slot length (minutes)", default=30, help_text="How long one intro call lasts."
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        "minimum notice (hours)", default=12, help_text="Visitors can't book a slot starting sooner than this."
    )
    horizon_days = models.PositiveSmallIntegerField(
        "booking horizon (days)", default=21, help_text="How far ahead visitors can book."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(SingletonModel.Meta):
        verbose_name = "booking settings"
        verbose_name_plural = "booking settings"
        constraints = [
            *SingletonModel.Meta.constraints,
            models.CheckConstraint(condition=models.Q(slot_minutes__gte=5), name="booking_settings_slot_minutes_min"),
        ]

    def __str__(self):
        return "Booking settings"

    @classmethod
    def load(cls):
        """The settings row, or unsaved defaults (with no availability) before the owner creates it."""
        return super().load() or cls(pk=1)

    @property
    def zone(self):
        return ZoneInfo(self.owner_timezone)


class AvailabilityWindow(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    settings = models.ForeignKey(BookingSettings, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, help_text="The day of the week.")
    start = models.TimeField(help_text="From, in your time zone (e.g. 15:00).")
    end = models.TimeField(help_text="Until, in your time zone (e.g. 18:00). The last slot ends by then.")

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = "weekly availability window"
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="window_ends_after_start")
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The window must end after it starts."})


class DateOff(models.Model):
    settings = models.ForeignKey(BookingSettings, on_delete=models.CASCADE, related_name="dates_off")
    date = models.DateField(help_text="A day (in your time zone) with no intro calls.")
    note = models.CharField(max_length=100, blank=True, help_text="Only you see this, e.g. “Conference”.")

    class Meta:
        ordering = ["date"]
        verbose_name = "date off"
        verbose_name_plural = "dates off"
        constraints = [models.UniqueConstraint(fields=["settings", "date"], name="date_off_unique_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d}"


class BookingQuerySet(NotificationQuerySet):
    def live(self):
        """Requests that hold their slot."""
        return self.filter(status__in=BookingRequest.LIVE_STATUSES)

    def status_email_unsent(self):
        """Confirmed, declined or cancelled requests, still ahead, whose email about that hasn't gone out."""
        return self.filter(
            status__in=BookingRequest.EMAILED_STATUSES, status_emailed_at__isnull=True, slot_start__gt=timezone.now()
        )


class TransitionRefused(Exception):
    """A status change the booking's rules forbid. The message is written for whoever asked for it."""


@dataclass(frozen=True)
class Transition:
    """What confirm, decline or cancel did."""

    changed: bool  # False when the booking already had that status: a repeated click changes nothing
    emailed: bool  # the email about the new status went out just now
    error: str = ""  # why that email failed; the status change stands, and doing it again resends


class BookingRequest(Notified):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        SPAM = "spam", "Spam"

    class CancelledBy(models.TextChoices):
        OWNER = "owner", "You"
        VISITOR = "visitor", "The visitor"

    LIVE_STATUSES = [Status.REQUESTED, Status.CONFIRMED]
    # The only ways the status changes once a request is in: name -> (new status, allowed from, only
    # while the call is still ahead). Each emails the other side once.
    TRANSITIONS = {
        "confirm": (Status.CONFIRMED, [Status.REQUESTED], True),
        "decline": (Status.DECLINED, [Status.REQUESTED], False),
        "cancel": (Status.CANCELLED, LIVE_STATUSES, True),
    }
    EMAILED_STATUSES = [status for status, _, _ in TRANSITIONS.values()]

    slot_start = models.DateTimeField(help_text="When the call starts (shown in your time zone).")
    slot_end = models.DateTimeField(help_text="When the call ends.")
    visitor_timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone], help_text="The zone the visitor booked in."
    )
    name = models.CharField(max_length=100, help_text="The visitor's name.")
    email = models.EmailField(help_text="The visitor's address; invites and replies go here.")
    topic = models.CharField(max_length=30, choices=Topic.choices, help_text="What the visitor wants to talk about.")
    notes = models.TextField(max_length=2000, blank=True, help_text="Anything they want you to know beforehand.")
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.REQUESTED,
        help_text="Requested and confirmed requests hold their slot; the others free it.",
    )
    spam_reason = models.CharField(
        max_length=200, blank=True, help_text="Why it was flagged as spam (spam is stored, never emailed)."
    )
    ip_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="A keyed hash of the sender's IP; the IP is not stored."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, help_text="When it was requested.")
    decided_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When you confirmed or declined."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="When the call was cancelled.")
    cancelled_by = models.CharField(
        max_length=10, choices=CancelledBy.choices, blank=True, editable=False, help_text="Who cancelled the call."
    )
    status_emailed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the email about the current status (invite, decline or cancellation) went out. "
        "Empty: not sent yet.",
    )

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = "intro-call request"
        constraints = [
            # The rule against double booking lives in the database, so two racing requests can't both win.
            models.UniqueConstraint(
                fields=["slot_start"],
                condition=models.Q(status__in=["requested", "confirmed"]),
                name="booking_one_live_request_per_slot",
            ),
            models.CheckConstraint(
                condition=models.Q(slot_end__gt=models.F("slot_start")), name="booking_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.slot_start:%Y-%m-%d %H:%M} UTC"

    @property
    def is_live(self):
        return self.status in self.LIVE_STATUSES

    @property
    def is_past(self):
        return self.slot_start <= timezone.now()

    @property
    def status_email_unsent(self):
        """Its transition's email failed and is still worth sending (as `status_email_unsent()` finds)."""
        return self.status in self.EMAILED_STATUSES and self.status_emailed_at is None and not self.is_past

    def allowed_transitions(self):
        """The names of the transitions open to this booking now, for the admin's buttons."""
        return [
            name
            for name, (_, sources, ahead_only) in self.TRANSITIONS.items()
            if self.status in sources and not (ahead_only and self.is_past)
        ]

    def confirm(self):
        """Hold the slot for the visitor and send them the invite. Only a pending, future request can be."""
        return self._move("confirm", decided_at=timezone.now())

    def decline(self):
        """Free the slot and tell the visitor politely. Only a pending request can be declined."""
        return self._move("decline", decided_at=timezone.now())

    def cancel(self, by=CancelledBy.OWNER, email=True):
        """Free the slot and tell the other side. A call whose time has come can't be cancelled any more.

        With email=False the caller sends it later, with `send_status_email()` (e.g. from a task).
        """
        return self._move("cancel", email=email, cancelled_at=timezone.now(), cancelled_by=by)

    def _move(self, name, email=True, **fields):
        status, sources, ahead_only = self.TRANSITIONS[name]
        # One conditional UPDATE decides, so a double click or a race with the visitor changes it once.
        allowed = BookingRequest.objects.filter(pk=self.pk, status__in=sources)
        if ahead_only:
            allowed = allowed.filter(slot_start__gt=timezone.now())
        changed = allowed.update(status=status, status_emailed_at=None, **fields)
        self.refresh_from_db()
        if self.status != status:
            raise TransitionRefused(self._refusal(status, sources))
        emailed, error = self.send_status_email() if email else (False, "")
        return Transition(changed=bool(changed), emailed=emailed, error=error)

    def _refusal(self, status, sources):
        done = self.Status(status).label.lower()
        if self.status in sources:
            return f"{self} can’t be {done}: its time has passed."
        if self.status == self.Status.CONFIRMED:
            return f"{self} is already confirmed, so it can’t be {done}: cancel it instead."
        return f"{self} is {self.get_status_display().lower()}, so it can’t be {done}."

    def send_status_email(self):
        """Send the email about the current status, at most once; returns (emailed, error).

        Claiming the row first means a second click, a second process or a retry never sends it again.
        """
        if self.status not in self.EMAILED_STATUSES:
            return False, ""
        from contact.notifications import status_email  # notifications imports this module

        now = timezone.now()
        claimed = BookingRequest.objects.filter(pk=self.pk, status=self.status, status_emailed_at__isnull=True).update(
            status_emailed_at=now
        )
        if not claimed:
            return False, ""
        try:
            status_email(self).send()
        except Exception as exc:  # SMTP down, no contact email: give the claim back, so it can be sent again
            BookingRequest.objects.filter(pk=self.pk, status_emailed_at=now).update(status_emailed_at=None)
            return False, f"{type(exc).__name__}: {exc}"[:500]
        self.status_emailed_at = now
        return True, ""


class RateCounter(models.Model):
    """One per-address counter (or used form token) in its current window, for setups without Redis.

    `contact.ratelimit` bumps a row with one atomic upsert; rows whose window has ended are deleted.
    """

    key = models.CharField(max_length=120, unique=True, help_text="What is counted: a scope and a keyed hash.")
    count = models.PositiveIntegerField(default=0, help_text="Hits in the current window.")
    expires_at = models.DateTimeField(db_index=True, help_text="When the current window ends.")

    class Meta:
        verbose_name = "rate-limit counter"
        ordering = ["-expires_at"]

    def __str__(self):
        return f"{self.key}: {self.count}"
