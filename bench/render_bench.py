"""Time the renderer and the reading-time estimate on pathological bodies at the size limit.

    DJANGO_DEBUG=true .venv/bin/python bench/render_bench.py [case ...]

Each line shows whether the body was refused (a linear check, see portfolio.markdown.refusal_reason)
or rendered, and how long that took. The tests assert the outcomes; this script measures the times.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

import django  # noqa: E402

django.setup()

from blog.models import estimate_reading_time  # noqa: E402
from portfolio.markdown import MAX_BODY_CHARS, render  # noqa: E402

# BENCH_SIZE=25000 shows how a case grows below the limit.
SIZE = int(os.environ.get("BENCH_SIZE", MAX_BODY_CHARS))


def fill(unit, size=SIZE):
    """unit repeated to just under size characters."""
    return unit * (size // len(unit))


CASES = {
    "nested brackets": "[" * (MAX_BODY_CHARS // 2) + "]" * (MAX_BODY_CHARS // 2),
    "unclosed brackets": fill("["),
    "unclosed image brackets": fill("!["),
    "unclosed link destinations": fill("[a]("),
    "bracket pairs": fill("[]"),
    "links": fill("[a](https://example.com/) "),
    "images": fill("![a](/media/a.png)\n\n"),
    "code fences": fill("```\nx\n```\n"),
    "unclosed code fences": fill("```\n"),
    "emphasis": fill("*a"),
    "footnote references": fill("[^a]")[:-20] + "\n\n[^a]: x\n",
    "distinct footnotes": "".join(f"[^{n}]" for n in range(3000))
    + "\n\n"
    + "".join(f"[^{n}]: x\n" for n in range(3000)),
    "dollars": fill("$a "),
    "inline math": fill("$x^2$ "),
    "headings with one name": fill("## a\n\n"),
    "table rows": "| a | b |\n|---|---|\n" + fill("| 1 | 2 |\n", MAX_BODY_CHARS - 40),
    "table at the limit": "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 997,
    "bracket pairs at the limit": "[] " * 5000,
    "links at the limit": "[a](https://example.com/) " * 1900,
    "inline markers at the limit": "*a* `b` _c_ <i>d</i> ~~e~~\n\n" * 830,
    "nested quotes": fill(">"),
    "nested lists": "".join("    " * depth + "- a\n" for depth in range(150)),
    "many small paragraphs": fill("*a* _b_ `c` <i>d</i> [e](f)\n\n"),
    "code blocks at the limit": "".join(f"```python\nx = {n}\n```\n\n" for n in range(200)),
    "headings at the limit": "".join(f"## Heading {n}\n\n" for n in range(300)),
    "formulas at the limit": fill("$x^2$ ", 6_000),
    "footnotes at the limit": "".join(f"[^{n}]" for n in range(300))
    + "\n\n"
    + "".join(f"[^{n}]: x\n" for n in range(300)),
    "emphasis at the limit": (fill("*a", 4_000) + "\n\n") * 5,
    "angle brackets": fill("<"),
    "raw html": fill("<div>"),
    "prose": fill("The quick brown fox jumps over the lazy dog. "),
}


def main(names):
    for name, text in CASES.items():
        if names and name not in names:
            continue
        start = time.perf_counter()
        rendered = render(text)
        render_seconds = time.perf_counter() - start
        start = time.perf_counter()
        estimate_reading_time(text)
        reading_seconds = time.perf_counter() - start
        outcome = "refused " if rendered.refused else "rendered"
        print(
            f"{name:28} {len(text):7,} chars  {outcome}  render {render_seconds:6.3f} s"
            f"  reading time {reading_seconds:6.3f} s",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
