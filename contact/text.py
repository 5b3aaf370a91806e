"""What visitors type that must never reach a header or change how the owner reads a name."""

import re

# Any control character, including newlines: a name is one line, and it ends up in email headers.
CONTROL_CHARACTERS = {chr(code) for code in range(32)} | {"\x7f", "\u0085", "\u2028", "\u2029"}
# Bidirectional embeddings, overrides, isolates and marks: "\u202eexe.txt" shows as "txt.exe".
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def has_control_characters(value):
    return any(char in CONTROL_CHARACTERS for char in value)


def without_bidi_controls(value):
    return BIDI_CONTROLS.sub("", value)
