import os

os.environ.setdefault("ANJU_TESTING", "1")

import pytest


@pytest.fixture
def world(db):
    from anju.core.testing import build_org_world

    return build_org_world()


@pytest.fixture
def api(db):
    from anju.core.testing import api_client

    return api_client


@pytest.fixture(autouse=True)
def _fresh_access_cache():
    # Parameter values are cached; tests must not see each other's.
    from django.core.cache import cache

    cache.clear()
    yield


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def _browser():
    """Debian's Chromium driven by Playwright (never `playwright install`: no downloads here)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser, live_server):
    """A fresh zh-hans browser page; `page.anju_url(path)` makes an absolute URL on the live server."""
    context = _browser.new_context(
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-Hans,zh;q=0.9"},
        viewport={"width": 1400, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.anju_url = lambda path: f"{live_server.url}{path}"
    yield page
    context.close()


def browser_login(page, username, password):
    page.goto(page.anju_url("/admin/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
