"""The admin's writing editor for posts and project case studies (static/js/admin-post.js).

The browser counts words and reading time live with the formula of `estimate_reading_time`;
its constants travel in a data attribute, so Python stays their one source of truth.
"""

import json

from django.contrib import admin
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from blog.models import SECONDS_PER_CODE_BLOCK, SECONDS_PER_CODE_LINE, SECONDS_PER_IMAGE, WORDS_PER_MINUTE

READING_TIME_CONSTANTS = {
    "wordsPerMinute": WORDS_PER_MINUTE,
    "secondsPerCodeBlock": SECONDS_PER_CODE_BLOCK,
    "secondsPerCodeLine": SECONDS_PER_CODE_LINE,
    "secondsPerImage": SECONDS_PER_IMAGE,
}


class WritingEditorWidget(AdminMarkdownxWidget):
    """markdownx's editor, at a fixed height (so the preview beside it can follow its scroll)."""

    def __init__(self, attrs=None):
        super().__init__(
            {"data-reading-time": json.dumps(READING_TIME_CONSTANTS), "data-writing-editor": "", **(attrs or {})}
        )

    @staticmethod
    def add_markdownx_attrs(attrs):
        attrs = AdminMarkdownxWidget.add_markdownx_attrs(attrs)
        # markdownx grows the box to fit the text, which would scroll the page instead of the editor.
        attrs["data-markdownx-editor-resizable"] = "False"
        return attrs


def publishing_state(obj):
    """The status in words: "Draft", "Scheduled for …" or "Live since …" (admin-post.js keeps it live)."""
    state = "Draft" if obj is None or obj.pk is None else obj.publication_state
    if state == "Draft":
        return state
    when = date_format(localtime(obj.published_at), "D j M Y, H:i T")
    return f"Live since {when}" if state == "Live" else f"Scheduled for {when}"


class WritingEditorAdmin:
    """A ModelAdmin mixin, the editor for posts and project case studies: a wide Markdown box with its
    preview beside it, autosave in the browser, live word count and reading time, alt text on every
    upload, the status in words, and Ctrl/Cmd+S to save. The behaviour is in static/js/admin-post.js."""

    formfield_overrides = {MarkdownxField: {"widget": WritingEditorWidget}}

    class Media:
        js = ["js/admin-post.js"]
        css = {"all": ["css/highlight.css", "css/admin.css"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "published_at" and field is not None:
            field.label = "Publish at"
        if db_field.name == "summary" and field is not None:
            field.widget.attrs["rows"] = 3  # a sentence or two: the Markdown below gets the room
        return field

    @admin.display(description="Visibility")
    def publishing_state(self, obj):
        # The zone's abbreviation lets the script word an unsaved "Publish at" the way the server does.
        return format_html(
            '<strong class="publishing-state" data-publishing-state data-time-zone="{}">{}</strong>',
            localtime().tzname(),
            publishing_state(obj),
        )
