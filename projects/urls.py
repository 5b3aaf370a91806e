from django.urls import path

from portfolio.cache import cache_public_page
from portfolio.tags import TAG_SLUG
from projects import views

app_name = "projects"

urlpatterns = [
    path("", cache_public_page(views.ProjectListView.as_view(), params={"tech": TAG_SLUG}), name="project_list"),
    path("<uslug:slug>/", cache_public_page(views.ProjectDetailView.as_view()), name="project_detail"),
    path("<uslug:slug>.md", cache_public_page(views.project_markdown), name="project_markdown"),
]
