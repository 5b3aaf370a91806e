from django_tasks import task

from contact.models import BookingRequest, ContactMessage
from contact.notifications import send_owner_notification

MODELS = {"message": ContactMessage, "booking": BookingRequest}


@task()
def notify_owner(kind, pk):
    """Email the owner about a new message or booking. A failure is recorded on the row and retried
    by `send_pending_notifications`, since django-tasks has no retries of its own."""
    row = MODELS[kind].objects.filter(pk=pk).first()
    return send_owner_notification(row) if row else "skipped"


@task()
def send_booking_status_email(pk):
    """The email about a booking's new status, when a visitor changed it (their cancel link), so the
    request never waits on SMTP. A failure is retried by `send_pending_notifications`."""
    booking = BookingRequest.objects.filter(pk=pk).first()
    return booking.send_status_email()[0] if booking else False
