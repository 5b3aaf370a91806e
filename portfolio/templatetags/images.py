from django import template

from portfolio.renditions import image_set

register = template.Library()


@register.inclusion_tag("includes/responsive_image.html")
def responsive_image(field_file, record, alt="", sizes="100vw", loading="lazy"):
    """`{% responsive_image post.cover_image post.cover_renditions alt=post.cover_alt %}`: WebP sizes in a srcset."""
    return {"image": image_set(field_file, record), "alt": alt, "sizes": sizes, "loading": loading}
