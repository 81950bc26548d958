"""Real Chromium, in zh-hans: log in, switch company, create a department, see it in the tree and
in the operation log; lockout after 5 bad passwords."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from anju.core.models import OperationLog
from anju.core.testing import PASSWORD, make_role, make_user
from anju.org.models import OrgUnit, User
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switch_company_create_a_department_and_find_it_in_tree_and_log(page, world):
    group_admin = make_user(world.dept_a, [make_role(world.group)], all_projects=True, last_name="王")
    browser_login(page, group_admin.username, PASSWORD)
    page.wait_for_url("**/admin/")
    expect(page).to_have_title(re.compile("工作台"))
    expect(page.locator("#anju-shortcuts")).to_contain_text("组织架构")

    # The header switcher: the whole UI now works in 乙物业.
    expect(page.locator("#anju-company")).to_have_value(str(world.company_a.pk))
    with page.expect_navigation():
        page.select_option("#anju-company", str(world.company_b.pk))
    expect(page.locator("#anju-company")).to_have_value(str(world.company_b.pk))
    expect(page.get_by_text("当前公司：乙物业")).to_be_visible()
    group_admin.refresh_from_db()
    assert group_admin.current_company_id == world.company_b.pk

    page.goto(page.anju_url("/admin/org/orgunit/add/"))
    page.select_option("#id_parent", str(world.company_b.pk))
    page.select_option("#id_kind", "department")
    page.fill("#id_code", "B-ENG")
    page.fill("#id_name", "乙工程部")
    page.get_by_role("button", name="保存并关闭").click()
    page.wait_for_url("**/admin/org/orgunit/")

    # In the tree, below its company, and folding the company hides it.
    unit = OrgUnit.objects.get(code="B-ENG")
    row = page.locator("tr", has=page.locator(f'[data-path="{unit.path}"]'))
    expect(row).to_be_visible()
    expect(page.locator(f'[data-path="{unit.path}"]')).to_have_attribute(
        "data-depth", str(world.company_b.depth + 1)
    )
    expect(page.locator("#result_list")).not_to_contain_text(world.dept_a.name)
    toggle = page.locator(f'[data-path="{world.company_b.path}"] .anju-tree-toggle')
    toggle.click()
    expect(row).to_be_hidden()
    toggle.click()
    expect(row).to_be_visible()

    # The operation log has the entry, for this company, by this user.
    log = OperationLog.objects.get(action="create", object_id=str(unit.pk))
    assert log.actor == group_admin and log.company_id == world.company_b.pk and log.ip
    assert log.after["name"] == "乙工程部"
    page.goto(page.anju_url(reverse("admin:core_operationlog_changelist")))
    expect(page.locator("#result_list")).to_contain_text("乙工程部")
    expect(page.locator("#result_list")).to_contain_text(group_admin.username)


def test_five_bad_passwords_lock_the_account(page, world):
    user = make_user(world.dept_a, [world.role_a], mobile="13700000001")
    for _attempt in range(4):
        browser_login(page, user.username, "Wrong-Password-1")
        expect(page.locator(".errornote, .errorlist, [role=alert]").first).to_be_visible()
    browser_login(page, "13700000001", "Wrong-Password-1")  # the mobile number counts for the same account
    expect(page.locator("#anju-locked")).to_contain_text("已被锁定 30 分钟")
    browser_login(page, user.username, PASSWORD)
    expect(page.locator("#anju-locked")).to_be_visible()
    assert "/admin/login/" in page.url
    assert User.objects.get(pk=user.pk).last_login is None
