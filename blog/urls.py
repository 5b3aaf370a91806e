from django.urls import path
from django.views.decorators.http import require_safe

from blog import views
from portfolio.cache import PAGED, cache_public_page

app_name = "blog"

urlpatterns = [
    path("", cache_public_page(views.PostListView.as_view(), params=PAGED), name="post_list"),
    path("archive/", cache_public_page(views.ArchiveView.as_view(), params={"year": r"[1-9][0-9]{3}"}), name="archive"),
    path(
        "category/<uslug:slug>/",
        cache_public_page(views.CategoryDetailView.as_view(), params=PAGED),
        name="category_detail",
    ),
    # Never cached: a preview is private to whoever holds the link.
    path("preview/<str:token>/", require_safe(views.post_preview), name="post_preview"),
    path("<uslug:slug>/", cache_public_page(views.PostDetailView.as_view()), name="post_detail"),
    path("<uslug:slug>.md", cache_public_page(views.post_markdown), name="post_markdown"),
]
