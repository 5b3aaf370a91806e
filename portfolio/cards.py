"""Social cards: the 1200×630 PNG a shared link shows, drawn with Pillow in the site's colours.

A card is described by what it shows (`Card`); its address carries a hash of exactly that, so a changed
title is a new address and the image can be cached for a year. Cards are drawn on first request and
kept in the cache framework.

Fonts: Inter (OFL, portfolio/fonts/, with OFL.txt), subset to Latin, Greek and Cyrillic. A character
Inter lacks (CJK, emoji, other scripts) is drawn with the first font in SOCIAL_CARD_FALLBACK_FONTS that
has it (Noto Sans CJK, when the system has it installed; DejaVu Sans for symbols); a character no font
has is left out, never drawn as an empty box.
"""

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import get_script_prefix, reverse
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
# Part of every card's hash: bump it when the drawing below changes, so cached cards are redrawn.
DESIGN_VERSION = 1
FONT_DIR = Path(__file__).resolve().parent / "fonts"
TITLE_FONT = FONT_DIR / "Inter-Bold.otf"
TEXT_FONT = FONT_DIR / "Inter-Regular.otf"
# The light theme's tokens from static/css/site.css.
BACKGROUND = "#ffffff"
SURFACE = "#f5f6f8"
TEXT = "#16181d"
MUTED = "#4f5663"
ACCENT = "#2747c7"
BORDER = "#dde0e6"

MARGIN = 80
TITLE_SIZES = (76, 68, 60, 52, 46)  # the largest size at which the title fits in TITLE_LINES lines wins
TITLE_LINES = 4
CACHE_SECONDS = 60 * 60 * 24 * 365
# A year, and never revalidated: the address changes whenever the card does.
CACHE_CONTROL = f"public, max-age={CACHE_SECONDS}, immutable"


@dataclass(frozen=True)
class Card:
    title: str
    eyebrow: str = ""  # above the title, e.g. "Blog · LLM_Optimization"
    details: tuple = field(default_factory=tuple)  # below it, e.g. ("#Serverless", "6 min read")
    owner: str = ""

    @property
    def key(self):
        # The fonts in use are part of the key: installing a CJK font redraws the cards that need it.
        fonts = [path.name for path in _fallback_paths()]
        shown = [DESIGN_VERSION, fonts, self.title, self.eyebrow, list(self.details), self.owner]
        return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:16]


def card_path(kind, slug, card):
    return _card_path(kind, slug, card, addresses_depend_on())


def addresses_depend_on():
    """What a card's address depends on besides the card: the fonts (in its key) and the script prefix.

    A memo of anything that shows a card's address keys on this too, so a change of either is a new entry.
    """
    return tuple(_fallback_paths()), get_script_prefix()


# Hashing a card and reversing its address took a twentieth of a cold post page.
@lru_cache(maxsize=1024)
def _card_path(kind, slug, card, depends_on):
    return reverse("social_card", kwargs={"kind": kind, "slug": slug, "key": card.key})


# Fonts and coverage


def _fallback_paths():
    return _existing_fonts(tuple(getattr(settings, "SOCIAL_CARD_FALLBACK_FONTS", ())))


@lru_cache(maxsize=8)
def _existing_fonts(paths):
    return [Path(path) for path in paths if Path(path).is_file()]


@lru_cache(maxsize=64)
def _font(path, size):
    return ImageFont.truetype(str(path), size)


@lru_cache(maxsize=4096)
def _has_glyph(path, char):
    """Whether the font draws char itself, rather than its "missing glyph" box."""
    if char.isspace():
        return True
    font = _font(path, 32)
    missing = font.getmask("\U0010fffd")
    drawn = font.getmask(char)
    return (drawn.size, bytes(drawn)) != (missing.size, bytes(missing))


def _runs(text, primary):
    """text split into (font path, piece) runs; characters no font has are dropped."""
    runs = []
    fonts = (primary, *_fallback_paths())
    for char in text:
        path = next((p for p in fonts if _has_glyph(p, char)), None)
        if path is None:
            continue
        if runs and runs[-1][0] == path:
            runs[-1][1] += char
        else:
            runs.append([path, char])
    return [(path, piece) for path, piece in runs]


def drawable(text, primary=TITLE_FONT):
    """The text as the card will show it: characters no font has are left out, spaces tidied."""
    return " ".join("".join(piece for _, piece in _runs(text, primary)).split())


def _width(text, primary, size):
    return sum(_font(path, size).getlength(piece) for path, piece in _runs(text, primary))


def _draw_text(draw, xy, text, primary, size, fill):
    x, y = xy
    for path, piece in _runs(text, primary):
        font = _font(path, size)
        draw.text((x, y), piece, font=font, fill=fill)
        x += font.getlength(piece)


# Layout


def _wrap(text, primary, size, width):
    """Lines no wider than width. Words that fit stay whole; a longer word (or CJK text) breaks anywhere."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if _width(candidate, primary, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if _width(line + char, primary, size) > width and line:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def _fit_title(title, width):
    """(size, lines): the largest size that fits; at the smallest, the last line ends in an ellipsis."""
    for size in TITLE_SIZES:
        lines = _wrap(title, TITLE_FONT, size, width)
        if len(lines) <= TITLE_LINES:
            return size, lines
    lines = lines[:TITLE_LINES]
    last = lines[-1]
    while last and _width(last + "…", TITLE_FONT, size) > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + "…"
    return size, lines


def _shorten(text, primary, size, width):
    if _width(text, primary, size) <= width:
        return text
    while text and _width(text + "…", primary, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def render_png(card):
    """The card as PNG bytes: 1200×630, the title wrapped (never overflowing), details and owner beneath."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    text_width = WIDTH - 2 * MARGIN
    draw.rectangle((0, 0, WIDTH, 12), fill=ACCENT)
    draw.rectangle((0, HEIGHT - 120, WIDTH, HEIGHT), fill=SURFACE)
    draw.line((0, HEIGHT - 120, WIDTH, HEIGHT - 120), fill=BORDER, width=2)

    y = 76
    eyebrow = drawable(card.eyebrow, TEXT_FONT)
    if eyebrow:
        _draw_text(draw, (MARGIN, y), _shorten(eyebrow, TEXT_FONT, 28, text_width), TEXT_FONT, 28, ACCENT)
    y += 64

    title = drawable(card.title) or drawable(card.owner) or "·"
    size, lines = _fit_title(title, text_width)
    line_height = round(size * 1.18)
    for line in lines:
        _draw_text(draw, (MARGIN, y), line, TITLE_FONT, size, TEXT)
        y += line_height

    footer_y = HEIGHT - 120 + 38
    owner = drawable(card.owner, TITLE_FONT)
    owner_width = 0
    if owner:
        owner = _shorten(owner, TITLE_FONT, 34, text_width // 2)
        _draw_text(draw, (MARGIN, footer_y), owner, TITLE_FONT, 34, TEXT)
        owner_width = _width(owner, TITLE_FONT, 34) + 48
    details = drawable("  ·  ".join(card.details), TEXT_FONT)
    if details:
        details = _shorten(details, TEXT_FONT, 30, text_width - owner_width)
        details_x = WIDTH - MARGIN - _width(details, TEXT_FONT, 30)
        _draw_text(draw, (details_x, footer_y + 3), details, TEXT_FONT, 30, MUTED)

    out = BytesIO()
    # Flat colours compress well at zlib's default level; optimize=True would triple the drawing time.
    image.save(out, "PNG")
    return out.getvalue()


def card_response(card, requested_key, current_path):
    """The PNG for a card's current key; an older key is redirected to the current card."""
    if requested_key != card.key:
        return HttpResponseRedirect(current_path)
    cache_key = f"social-card:{card.key}"
    png = cache.get(cache_key)
    if png is None:
        png = render_png(card)
        cache.set(cache_key, png, CACHE_SECONDS)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = CACHE_CONTROL
    return response


def tag_card(tag, owner):
    return Card(title=f"#{tag.name}", eyebrow="Posts and projects", owner=owner)


def home_card(profile):
    if profile is None:
        return Card(title="Portfolio")
    return Card(title=profile.headline, eyebrow=profile.tagline, owner=profile.owner_name)
