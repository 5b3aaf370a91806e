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
