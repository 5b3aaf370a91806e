from django.urls import path

from portfolio.cache import cache_public_page
from projects import views

app_name = "projects"

urlpatterns = [
    path("", cache_public_page(views.ProjectListView.as_view()), name="project_list"),
    path("<slug:slug>/", cache_public_page(views.ProjectDetailView.as_view()), name="project_detail"),
    path("<slug:slug>.md", cache_public_page(views.project_markdown), name="project_markdown"),
]
