from django import template
from django.utils import timezone

from contact.models import BookingRequest, ContactMessage

register = template.Library()


@register.inclusion_tag("admin/contact/inbox_summary.html")
def contact_inbox_summary():
    """The counts at the top of the admin index, so new messages and calls to confirm are seen first."""
    return {
        "new_messages": ContactMessage.objects.filter(status=ContactMessage.Status.NEW).count(),
        "pending_bookings": BookingRequest.objects.filter(
            status=BookingRequest.Status.REQUESTED, slot_start__gte=timezone.now()
        ).count(),
        "unsent": ContactMessage.objects.unsent().count() + BookingRequest.objects.unsent().count(),
    }
