from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.http import require_POST, require_safe

from blog.sitemaps import CategorySitemap, PostListSitemap, PostSitemap
from portfolio import uploads, views
from portfolio.cache import PAGE_NUMBER, cache_public_page
from portfolio.sitemaps import HomeSitemap, sitemap_index
from projects.sitemaps import ProjectListSitemap, ProjectSitemap

SITEMAPS = {
    "home": HomeSitemap,
    "blog": PostListSitemap,
    "posts": PostSitemap,
    "categories": CategorySitemap,
    "projects": ProjectListSitemap,
    "project-pages": ProjectSitemap,
}

handler404 = views.page_not_found

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("llms.txt", views.llms_txt, name="llms_txt"),
    # An index of one sitemap per section and page of a section (`?p=2`…): see portfolio/sitemaps.py.
    path("sitemap.xml", cache_public_page(sitemap_index), {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<slug:section>.xml",
        cache_public_page(sitemap, params={"p": PAGE_NUMBER}),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("feeds/", include("blog.feed_urls")),
    path("favicon.ico", views.favicon),
    path("tags/<uslug:slug>/", views.tag_detail, name="tag_detail"),
    path("search/", views.search, name="search"),
    path("cards/<slug:kind>/<str:slug>/<str:key>.png", views.social_card, name="social_card"),
    path("blog/", include("blog.urls")),
    path("projects/", include("projects.urls")),
    path("contact/", include("contact.urls")),
    # markdownx's own views answer anyone and trust the browser's content type; these are staff-only and checked.
    path("markdownx/upload/", require_POST(uploads.ImageUploadView.as_view()), name="markdownx_upload"),
    path("markdownx/markdownify/", require_POST(uploads.MarkdownPreviewView.as_view()), name="markdownx_markdownify"),
    path(settings.ADMIN_PATH, admin.site.urls),
    # Uploads are few and small on a personal site, so Django serves them rather than a separate web server,
    # from the folder or the shared S3 bucket alike.
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", require_safe(views.media), name="media"),
]

# The database unreachable anywhere in a request: a friendly 503, not a 500 (portfolio/resilience.py).
handler500 = "portfolio.resilience.server_error"
