"""Fixtures shared by every app's tests, including the headless-browser ones."""

import os
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from portfolio.cache import forget_local_state, local_pages

ARTIFACTS = Path(__file__).parent / "test-artifacts"
DB_FIXTURES = {"db", "transactional_db", "live_server", "client", "admin_client", "django_user_model"}
AXE_SCRIPT = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in the test thread; the live server's ORM calls are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# The fuzz tests' settings: a quick, fixed set in the suite (CI never flakes on a new example);
# FUZZ_EXAMPLES=1000 explores afresh.
hypothesis_settings.register_profile(
    "suite",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    derandomize="FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.load_profile("suite")


def pytest_configure(config):
    from django.conf import settings

    # Real hashing costs a quarter of a second per password; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """The cache holds rate limits and cached pages; no test should see another's."""
    # The default cache is a database table, so only tests with database access can touch it.
    if not (request.node.get_closest_marker("django_db") or DB_FIXTURES & set(request.fixturenames)):
        yield
        return
    for alias in caches:
        caches[alias].clear()
    forget_local_state()
    yield
    for alias in caches:
        caches[alias].clear()
    forget_local_state()


@pytest.fixture
def count_queries(client, settings):
    """The queries one GET costs on a page-cache miss, in a worker's steady state.

    A warm-up request first fills per-process caches (content types, the site profile for this content
    version) and reads the content version, which a worker reads again at most once a second: frozen
    here, so the count is the page's own queries, every time.
    """
    settings.PAGE_CACHE_VERSION_CHECK_SECONDS = 10**6

    def count(url):
        counts = []
        for _ in range(2):
            caches["default"].clear()
            local_pages.clear()
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts[-1]

    return count


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as a script, which the site's nonce-only CSP would otherwise block.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe(page):
    """Run axe-core on the current page and return its serious and critical violations."""

    def scan():
        page.add_script_tag(path=str(AXE_SCRIPT))
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return scan


def save_screenshot(page, name, full_page=True):
    """Like the `screenshot` fixture, for a page of another context (no JavaScript, a logged-in owner)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def editor_page(live_server, browser, settings, tmp_path):
    """The owner logged in to the admin at 1280×900, in a context without bypass_csp: the policy the
    owner's browser enforces. Console complaints about the CSP collect in `page.csp_problems`."""
    from django.contrib.auth.models import User

    settings.MEDIA_ROOT = tmp_path
    User.objects.create_superuser("owner", "owner@example.com", "a-long-test-password")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.csp_problems = []
    page.on(
        "console", lambda message: "Content Security Policy" in message.text and page.csp_problems.append(message.text)
    )
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    yield page
    context.close()


@pytest.fixture
def axe_all(page):
    """Run axe-core on the current page and return every violation, whatever its impact.

    Target size (WCAG 2.2's 24 px minimum) is switched on explicitly: it is what Lighthouse's
    accessibility score checks for touch targets.
    """

    def scan():
        page.add_script_tag(path=str(AXE_SCRIPT))
        results = page.evaluate(
            """async () => await axe.run(document, {
                resultTypes: ['violations'],
                rules: {'target-size': {enabled: true}},
            })"""
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"]
        ]

    return scan
