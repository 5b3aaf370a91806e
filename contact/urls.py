from django.urls import path
from django.views.generic import TemplateView

app_name = "contact"

# Placeholder until the contact issue lands; the names are the contract the nav relies on.
urlpatterns = [
    path("", TemplateView.as_view(template_name="placeholder.html"), name="contact_form"),
    path("sent/", TemplateView.as_view(template_name="placeholder.html"), name="sent"),
    path("book/", TemplateView.as_view(template_name="placeholder.html"), name="booking_form"),
]
