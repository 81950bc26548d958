import pytest

from anju.core.testing import PASSWORD, make_project
from anju.estates import services
from anju.estates.models import Room
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_wizard_builds_a_30_floor_two_unit_building_and_the_grid_merges(page, world):
    project = make_project(world.company_a, code="JL", name="君林天下", short_name="君林")
    building = services.building_create(actor=world.user_a, project=project, code="C3", name="C3栋")
    browser_login(page, world.user_a.username, PASSWORD)
    page.wait_for_url("**/admin/")

    page.goto(page.anju_url(f"/admin/estates/-/buildings/{building.pk}/wizard/"))
    page.fill("input[name=floors]", "30")
    page.fill("input[name=units]", "2")
    page.fill("input[name=households]", "2")
    page.select_option("select[name=rule]", "floor_number")
    page.click("#wizard-preview")
    page.wait_for_selector("#anju-preview")
    assert page.input_value("input[name=n_0_0]") == "3001"
    page.fill("input[name=n_29_3]", "")  # no room in that cell
    page.click("#wizard-generate")
    page.wait_for_url("**/grid/")
    assert Room.objects.filter(building=building).count() == 119

    left = page.locator('td[data-code="君林-C3-1-3001"]')
    left.click()
    assert page.inner_text("#grid-selection") == "君林-C3-1-3001"
    page.click("button[value=merge_right]")
    page.wait_for_load_state("networkidle")
    merged = page.locator('td[data-code="君林-C3-1-3001"]')
    assert merged.get_attribute("colspan") == "2"
    assert page.locator('td[data-code="君林-C3-1-3002"]').count() == 0
    assert Room.objects.filter(building=building).count() == 118
    # Merging across the unit border is refused with the reason.
    page.locator('td[data-code="君林-C3-1-2902"]').click()
    page.click("button[value=merge_right]")
    page.wait_for_load_state("networkidle")
    assert "不同单元" in page.content()  # the refusal in zh-Hans, never the English source text
    assert "different units" not in page.content()
    page.screenshot(path="/tmp/anju-estates-grid.png", full_page=False)
