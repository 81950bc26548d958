"""Playwright: register an owner through the wizard, hit a duplicate, move them in, find them by
pinyin initials (Debian chromium, see the root conftest)."""

import re

import pytest

from anju.core.testing import PASSWORD
from anju.customers import services
from anju.customers.models import Customer, DuplicateLog, RoomCustomer
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_wizard_duplicate_move_in_and_pinyin_search(page, world, dictionaries, estate):
    _project, rooms = estate
    existing = services.customer_create(
        actor=world.user_a,
        company=world.company_a,
        name="张三",
        code="JL-C3-0301",
        phones=[{"number": "13800138000"}],
    )
    page.set_default_timeout(30000)  # the shared CI machine is busy
    browser_login(page, world.user_a.username, PASSWORD)
    page.wait_for_url("**/admin/")

    # Step 1: name + phone.
    page.goto(page.anju_url("/admin/customers/-/new/"))
    page.fill("input[name=names]", "张三")
    page.fill("input[name=keys]", "13900139000")
    page.click("button[name=next]")
    # Step 2: the same-name customer is listed; the phone does not match, so "none" is preselected.
    page.wait_for_selector("text=JL-C3-0301")
    assert page.is_checked(f"input[name=choice0][value='{existing.pk}']") is False
    assert page.is_checked("input[name=choice0][value='']")
    page.click("button[name=next]")
    # Step 3: the form, phone carried over from step 1.
    assert page.input_value("input[name=c0-mobile]") == "13900139000"
    page.fill("input[name=c0-code]", "JL-C3-0302")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r".*/admin/customers/-/customer/\d+/$"))
    new = Customer.objects.get(code="JL-C3-0302")
    assert new.pk != existing.pk and DuplicateLog.objects.filter(created=new).exists()
    assert "139****9000" in page.content()  # masked unless revealed

    # Move-in registration (入伙登记) from the customer page.
    page.click(f"a[href$='move-in/?customer={new.pk}']")
    page.select_option("select[name=room]", str(rooms[1].pk))
    page.fill("input[name=date]", "2026-03-01")
    page.fill("input[name=share]", "100")
    page.fill("input[name=keys_handed_over]", "入户门钥匙 3 把")
    page.click("#anju-submit")
    page.wait_for_url(f"**/admin/customers/-/customer/{new.pk}/")
    page.click("#tab-rooms")
    page.locator("#room-relations td", has_text=rooms[1].code).first.wait_for(state="visible")
    assert RoomCustomer.objects.filter(customer=new, room=rooms[1], end_date__isnull=True).exists()

    # Omni search by pinyin initials.
    page.goto(page.anju_url("/admin/customers/-/search/"))
    page.fill("#omni-q", "zs")
    page.press("#omni-q", "Enter")
    page.wait_for_selector("#omni-results")
    assert page.locator(f"#omni-results a[href$='/customer/{new.pk}/']").count() >= 1
    page.screenshot(path="/tmp/anju-customers-search.png")
