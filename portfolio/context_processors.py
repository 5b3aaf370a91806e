from django.conf import settings

from portfolio.cache import content_version
from portfolio.models import SiteProfile, SocialLink

# (content version, profile, visible links): every page shows them, and they change only with content,
# so each process reads them once per content version rather than twice per page.
_site_rows = (None, None, [])


def _profile_and_links():
    global _site_rows
    version = content_version()
    if _site_rows[0] != version:
        _site_rows = (version, SiteProfile.load(), list(SocialLink.objects.filter(is_visible=True)))
    return _site_rows[1], _site_rows[2]


def site(request):
    """What every page's header, footer and meta tags need; no query while the content is unchanged."""
    profile, links = _profile_and_links()
    match = getattr(request, "resolver_match", None)
    return {
        "site_profile": profile,
        "social_links": links,
        "booking_link": next((link for link in links if link.kind == SocialLink.Kind.BOOKING), None),
        "site_url": settings.SITE_URL,
        # The app a page belongs to marks its nav link as the current one.
        "nav_section": (match.app_name or match.url_name) if match else "",
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
