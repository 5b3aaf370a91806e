from django.urls import path
from django.views.generic import TemplateView

app_name = "projects"

# Placeholder until the projects issue lands; the names are the contract the nav relies on.
urlpatterns = [path("", TemplateView.as_view(template_name="placeholder.html"), name="project_list")]
