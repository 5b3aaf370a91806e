from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from portfolio import uploads, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("feeds/", include("blog.feed_urls")),
    path("favicon.ico", views.favicon),
    path("tags/<slug:slug>/", views.tag_detail, name="tag_detail"),
    path("blog/", include("blog.urls")),
    path("projects/", include("projects.urls")),
    path("contact/", include("contact.urls")),
    # markdownx's own views answer anyone and trust the browser's content type; these are staff-only and checked.
    path("markdownx/upload/", uploads.ImageUploadView.as_view(), name="markdownx_upload"),
    path("markdownx/markdownify/", uploads.MarkdownPreviewView.as_view(), name="markdownx_markdownify"),
    path("admin/", admin.site.urls),
    # Uploads are few and small on a personal site, so Django serves them rather than a separate web server.
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
