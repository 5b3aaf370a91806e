"""The benchmark's baseline: a bare WSGI app returning a page's bytes from memory.

Served by the same gunicorn, with the same workers, as the site. A page's req/s divided by this
app's req/s, measured moments apart, is a ratio that survives the machine's drift.
"""

import os

with open(os.environ["BENCH_BASELINE_FILE"], "rb") as file:
    BODY = file.read()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
