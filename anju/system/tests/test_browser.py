import pytest

from anju.core.testing import PASSWORD
from anju.system import services
from anju.system.parameters import get_parameter
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_announcement_parameter_and_log_in_chromium(page, world):
    services.announcement_create(
        actor=world.user_a, company=world.company_a, title="交付现场值班安排", body="周六9点集合"
    )
    browser_login(page, world.user_a.username, PASSWORD)
    page.wait_for_url("**/admin/")
    widget = page.locator("#anju-widget-announcements")
    assert "最新公告" in widget.inner_text() and "交付现场值班安排" in widget.inner_text()

    page.goto(page.anju_url("/admin/system/-/parameters/"))
    assert "业务参数设置" in page.content()
    page.locator('tr[data-key="security.idle_timeout_minutes"] a').click()
    assert page.get_attribute("input[name=value]", "min") == "5"  # the browser checks the limits too
    page.fill("input[name=value]", "45")
    page.click("button[name=save]")
    page.wait_for_url("**/parameters/?company=*")
    row = page.locator('tr[data-key="security.idle_timeout_minutes"]')
    assert "45" in row.locator(".anju-value").inner_text() and "本公司" in row.inner_text()
    assert get_parameter(world.company_a.pk, "security.idle_timeout_minutes") == 45

    page.goto(page.anju_url("/admin/core/operationlog/?q=security.idle_timeout_minutes"))
    assert "空闲会话超时" in page.locator("#result_list").inner_text()
