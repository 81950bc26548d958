"""The widgets that Django and Unfold draw in JavaScript speak Chinese too (issue 12 §3): the
two-box role picker and the Ctrl-K command box."""

import re

import pytest
from playwright.sync_api import expect

from anju.core.testing import PASSWORD
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH = re.compile(r"Choose|Remove|click to clear|Available|Chosen|Navigate|\bSelect\b")


def test_role_picker_and_command_box_have_no_english(page, world):
    browser_login(page, world.superuser.username, PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto(page.anju_url(f"/admin/org/user/{world.user_a.pk}/change/"))
    picker = page.locator(".selector").first
    expect(picker).to_contain_text("全选")
    expect(picker).to_contain_text("全部移除")
    assert not ENGLISH.search(picker.inner_text()), picker.inner_text()

    page.keyboard.press("Control+k")
    expect(page.locator("body")).to_contain_text("导航")
    assert "Navigate" not in page.locator("body").inner_text()
