from django.urls import path

from contact import views

app_name = "contact"

urlpatterns = [
    path("", views.ContactFormView.as_view(), name="contact_form"),
    path("sent/", views.ContactSentView.as_view(), name="sent"),
    path("book/", views.BookingFormView.as_view(), name="booking_form"),
    path("book/sent/", views.BookingSentView.as_view(), name="booking_sent"),
    path("book/calendar/<str:token>/", views.BookingCalendarView.as_view(), name="booking_calendar"),
    path("book/cancel/<str:token>/", views.BookingCancelView.as_view(), name="booking_cancel"),
]
