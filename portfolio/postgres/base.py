"""Django's Postgres backend, with the connection health check skipped on a connection in steady use.

CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request: a round trip to the
database on every cold page, about 4 % of a cold list page's time here. A connection that ran a
query less than a second ago is taken as alive; one idle for longer is checked, as before.

What this gives up: if the database restarts, each worker that used its connection within that last
second fails its next request (a 503 page, see portfolio.resilience), closes the broken connection
and connects afresh on the one after. Connections idle for longer are checked and replaced unnoticed.
"""

import time

from django.db.backends.postgresql import base

RECENT_USE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    last_query_at = None

    def close_if_health_check_failed(self):
        now = time.monotonic()
        if self.last_query_at is not None and now - self.last_query_at < RECENT_USE_SECONDS:
            self.health_check_done = True
        self.last_query_at = now
        super().close_if_health_check_failed()
