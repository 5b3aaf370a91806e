from django.urls import path

from blog import views
from portfolio.cache import cache_public_page

app_name = "blog"

urlpatterns = [
    path("", cache_public_page(views.PostListView.as_view()), name="post_list"),
    path("archive/", cache_public_page(views.ArchiveView.as_view()), name="archive"),
    path("category/<slug:slug>/", cache_public_page(views.CategoryDetailView.as_view()), name="category_detail"),
    # Never cached: a preview is private to whoever holds the link.
    path("preview/<str:token>/", views.post_preview, name="post_preview"),
    path("<slug:slug>/", cache_public_page(views.PostDetailView.as_view()), name="post_detail"),
    path("<slug:slug>.md", cache_public_page(views.post_markdown), name="post_markdown"),
]
