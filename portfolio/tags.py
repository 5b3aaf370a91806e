"""How tags are typed in the admin: in order, with or without a leading #.

taggit sorts tags alphabetically by default; here the order typed is kept, because a
post's first tag is its primary hashtag (shown in lists and on the home page).
Wired in through TAGGIT_TAGS_FROM_STRING and TAGGIT_STRING_FROM_TAGS.
"""

import re


def parse_tags(text):
    """ "AIInfrastructure, Serverless" or "#AIInfrastructure #Serverless" -> ["AIInfrastructure", "Serverless"]."""
    text = (text or "").strip()
    parts = text.split(",") if "," in text else re.split(r"\s+", text)
    names = []
    for part in parts:
        name = part.strip().lstrip("#").strip()
        if name and name not in names:
            names.append(name)
    return names


def tags_to_string(tags):
    return ", ".join(tag.name for tag in tags)
