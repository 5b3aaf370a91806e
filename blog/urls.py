from django.urls import path
from django.views.generic import TemplateView

app_name = "blog"

# Placeholder until the blog issue lands; the names are the contract the nav relies on.
urlpatterns = [path("", TemplateView.as_view(template_name="placeholder.html"), name="post_list")]
