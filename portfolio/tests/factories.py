from portfolio.models import FocusArea, Publication, SiteProfile, SocialLink


def make_profile(**fields):
    values = {
        "owner_name": "Ada Example",
        "headline": "Building systems that scale",
        "intro": "I build distributed things.",
        "tagline": "Writing lives here.",
        "connect_text": "Say hello.",
        "contact_email": "owner@example.com",
        "meta_description": "Ada's site.",
    } | fields
    return SiteProfile.objects.create(**values)


def make_focus_area(title="Distributed Storage", **fields):
    return FocusArea.objects.create(title=title, description=fields.pop("description", f"About {title}."), **fields)


def make_social_link(label="GitHub", url="https://github.com/ada", kind=SocialLink.Kind.GITHUB, **fields):
    return SocialLink.objects.create(label=label, url=url, kind=kind, **fields)


def make_publication(title="Accelerating ML Inference via Opportunistic Pre-Loading on Serverless Clusters", **fields):
    values = {
        "venue": "IEEE Transactions on Parallel and Distributed Systems",
        "year": 2026,
        "volume": "37",
        "issue": "2",
    } | fields
    return Publication.objects.create(title=title, **values)
