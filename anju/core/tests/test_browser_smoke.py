import pytest

from anju.core.testing import PASSWORD
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_can_log_in_and_see_the_workbench_in_chinese(page, world):
    browser_login(page, world.user_a.username, PASSWORD)
    page.wait_for_url("**/admin/")
    content = page.content()
    assert "工作台" in content  # zh-Hans is the product's language: an English page is a failure
    assert "Workbench" not in content
    page.screenshot(path="/tmp/anju-workbench.png")
