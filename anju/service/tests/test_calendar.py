import datetime

import pytest

from anju.service.tests.conftest import aware
from anju.tasks import calendar

pytestmark = pytest.mark.django_db

D = datetime.date


def test_spring_festival_2026_and_make_up_days():
    assert calendar.is_workday(D(2026, 2, 13))  # Friday before
    assert calendar.is_workday(D(2026, 2, 14))  # Saturday, make-up day
    for day in range(15, 24):
        assert not calendar.is_workday(D(2026, 2, day)), day
    assert calendar.is_workday(D(2026, 2, 24))
    assert calendar.is_workday(D(2026, 2, 28))  # Saturday, make-up day
    assert not calendar.is_workday(D(2026, 3, 1))  # plain Sunday
    assert calendar.is_workday(D(2026, 5, 9)) and calendar.is_workday(D(2026, 10, 10))
    assert not calendar.is_workday(D(2026, 10, 7)) and calendar.is_workday(D(2026, 10, 8))
    assert calendar.year_status(2026) == {"year": 2026, "source": "package", "fallback": False}


def test_add_working_days_across_spring_festival():
    start = aware(2026, 2, 13, 10)
    assert calendar.add_working_days(start, 1) == aware(2026, 2, 14, 10)
    assert calendar.add_working_days(start, 2) == aware(2026, 2, 24, 10)
    assert calendar.add_working_days(start, 6) == aware(2026, 2, 28, 10)
    assert calendar.add_working_days(start, 7) == aware(2026, 3, 2, 10)
    # Outside working time: counted from the next opening, due at a closing time.
    assert calendar.add_working_days(aware(2026, 2, 15, 10), 1) == aware(2026, 2, 24, 18)
    assert calendar.add_working_days(aware(2026, 3, 6, 20), 1) == aware(2026, 3, 9, 18)
    assert calendar.add_working_days(aware(2026, 3, 9, 7), 1) == aware(2026, 3, 9, 18)


def test_add_working_hours_weekend_lunch_and_holiday():
    assert calendar.add_working_hours(aware(2026, 3, 6, 17), 2) == aware(2026, 3, 9, 10)  # Fri → Mon
    assert calendar.add_working_hours(aware(2026, 3, 9, 11), 2) == aware(2026, 3, 9, 14, 30)  # lunch break
    assert calendar.add_working_hours(aware(2026, 3, 9, 12, 15), 1) == aware(2026, 3, 9, 14, 30)
    assert calendar.add_working_hours(aware(2026, 2, 14, 17), 2) == aware(2026, 2, 24, 10)  # into 春节
    assert calendar.add_working_hours(aware(2026, 2, 20, 9), 1) == aware(2026, 2, 24, 10)  # starts in 春节
    assert calendar.add_working_minutes(aware(2026, 3, 9, 9), 0) == aware(2026, 3, 9, 9)
    assert calendar.add_limit(aware(2026, 2, 15, 3), 30, "minute") == aware(2026, 2, 15, 3, 30)  # 急修


def test_working_minutes_between_is_the_inverse():
    start = aware(2026, 2, 13, 16)
    end = calendar.add_working_hours(start, 5)
    assert calendar.working_minutes_between(start, end) == 300
    assert calendar.working_minutes_between(end, start) == -300


def test_2027_falls_back_to_monday_to_friday_with_warning():
    status = calendar.year_status(2027)
    assert status["fallback"] is True and status["source"] == "fallback"
    assert calendar.is_workday(D(2027, 1, 1))  # a Friday; chinese-calendar cannot say
    assert not calendar.is_workday(D(2027, 1, 2))
    due = calendar.add_working_days(aware(2026, 12, 31, 10), 3)
    assert due == aware(2027, 1, 5, 10)
    from anju.service.workbench import calendar_warning

    assert "2027" in calendar_warning()


def test_database_override_wins(world):
    from anju.service import services

    services.calendarday_create(actor=world.superuser, date=D(2026, 3, 9), kind="holiday", name="公司假")
    assert not calendar.is_workday(D(2026, 3, 9))
    assert calendar.add_working_hours(aware(2026, 3, 6, 17), 2) == aware(2026, 3, 10, 10)
    # A make-up day on a Sunday, and the package's holiday turned into a working day.
    services.calendarday_create(actor=world.superuser, date=D(2026, 3, 8), kind="workday")
    services.calendarday_create(actor=world.superuser, date=D(2026, 2, 16), kind="workday")
    assert calendar.is_workday(D(2026, 3, 8)) and calendar.is_workday(D(2026, 2, 16))
    # 2027 entered by an administrator: no fallback warning, and 元旦 is off.
    services.calendarday_create(actor=world.superuser, date=D(2027, 1, 1), kind="holiday", name="元旦")
    assert not calendar.is_workday(D(2027, 1, 1))
    services.calendaryear_create(actor=world.superuser, year=2027, configured=True)
    assert calendar.year_status(2027) == {"year": 2027, "source": "database", "fallback": False}
    day = services.CRUD[type(services.CalendarDay.objects.get(date=D(2027, 1, 1)))]
    day["delete"](actor=world.superuser, instance=services.CalendarDay.objects.get(date=D(2027, 1, 1)))
    assert calendar.is_workday(D(2027, 1, 1))  # configured year, no override: Mon–Fri


def test_company_working_hours(world):
    from anju.service import services

    services.workinghours_create(
        actor=world.superuser,
        company=world.company_a,
        morning_start=datetime.time(8),
        morning_end=datetime.time(12),
        afternoon_start=datetime.time(13),
        afternoon_end=datetime.time(17),
    )
    a, b = world.company_a.pk, world.company_b.pk
    assert calendar.add_working_hours(aware(2026, 3, 9, 16), 2, a) == aware(2026, 3, 10, 9)
    assert calendar.add_working_hours(aware(2026, 3, 9, 16), 2, b) == aware(2026, 3, 9, 18)
    assert calendar.add_working_hours(aware(2026, 3, 9, 16), 3, b) == aware(2026, 3, 10, 10)
    dept = world.dept_a  # a department inherits its company's hours
    assert calendar.working_hours(dept.pk).periods[0][0] == datetime.time(8)
