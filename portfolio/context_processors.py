from django.conf import settings

from portfolio.cache import per_content_version
from portfolio.models import SiteProfile, SocialLink


@per_content_version
def _profile_and_links():
    # Every page shows them and only content changes them: read once per content version, not per page.
    links = [link for link in SocialLink.objects.filter(is_visible=True) if not link.is_placeholder]
    return SiteProfile.load(), links


def site(request):
    """What every page's header, footer and meta tags need; no query while the content is unchanged."""
    profile, links = _profile_and_links()
    match = getattr(request, "resolver_match", None)
    return {
        "site_profile": profile,
        # The booking link is the one call to action (home's Connect section), not one more "Find me" link.
        "social_links": [link for link in links if link.kind != SocialLink.Kind.BOOKING],
        "booking_link": next((link for link in links if link.kind == SocialLink.Kind.BOOKING), None),
        "site_url": settings.SITE_URL,
        # The app a page belongs to marks its nav link as the current one.
        "nav_section": (match.app_name or match.url_name) if match else "",
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
