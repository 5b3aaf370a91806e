from django.urls import path
from django.views.generic import TemplateView

app_name = "blog"

# Placeholder until the blog issue lands; the names are the contract the nav relies on.
urlpatterns = [
    path("", TemplateView.as_view(template_name="placeholder.html"), name="post_list"),
    # Stand-in so Post.get_absolute_url reverses on the projects branch (build-log links); the blog's view wins.
    path("<slug:slug>/", TemplateView.as_view(template_name="placeholder.html"), name="post_detail"),
]
