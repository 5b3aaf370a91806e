from django.urls import path
from django.views.decorators.http import require_http_methods, require_safe

from contact import views

# Forms answer reads and their own POST; the pages around them only reads. Anything else is a 405.
form_methods = require_http_methods(["GET", "HEAD", "POST"])

app_name = "contact"

urlpatterns = [
    path("", form_methods(views.ContactFormView.as_view()), name="contact_form"),
    path("sent/", require_safe(views.ContactSentView.as_view()), name="sent"),
    path("book/", form_methods(views.BookingFormView.as_view()), name="booking_form"),
    path("book/sent/", require_safe(views.BookingSentView.as_view()), name="booking_sent"),
    path("book/calendar/<str:token>/", require_safe(views.BookingCalendarView.as_view()), name="booking_calendar"),
    path("book/cancel/<str:token>/", form_methods(views.BookingCancelView.as_view()), name="booking_cancel"),
]
