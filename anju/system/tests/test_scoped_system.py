"""Generated permission, scope and CRUD tests of the system context (anju.core.testing_scoped)."""

from datetime import timedelta

from django.utils import timezone

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.models import OperationLog, SavedView
from anju.core.testing import unique
from anju.core.testing_scoped import ScopedAdminTestCase, ScopedAPITestCase
from anju.system.models import Announcement, Dictionary, DictionaryItem, LoginLog


def _past_retention(row):
    """Log rows younger than the retention period cannot be deleted: these are old enough."""
    type(row).objects.filter(pk=row.pk).update(at=timezone.now() - timedelta(days=4000))
    row.refresh_from_db()
    return row


class TestAnnouncement(ScopedAPITestCase, ScopedAdminTestCase):
    model = Announcement
    url = "/api/v1/system/announcements/"
    point = "system.announcement"

    def create_data(self, side):
        return {"company": side.company.pk, "title": unique("公告"), "body": "正文"}

    def update_data(self, side, obj):
        return {"title": "新标题"}


class TestDictionary(ScopedAPITestCase, ScopedAdminTestCase):
    model = Dictionary
    url = "/api/v1/system/dictionaries/"
    point = "system.dictionary"

    def create_data(self, side):
        return {"code": unique("dict_"), "name": unique("字典")}

    def update_data(self, side, obj):
        return {"name": "新字典名"}


class TestDictionaryItem(ScopedAPITestCase):
    model = DictionaryItem
    url = "/api/v1/system/dictionary-items/"
    point = "system.dictionary"

    def create_data(self, side):
        dictionary = Dictionary.objects.filter(is_system=False).first() or Dictionary.objects.create(
            code=unique("dict_"), name="测试字典"
        )
        return {"dictionary": dictionary.pk, "code": unique("c"), "label": unique("项")}

    def update_data(self, side, obj):
        return {"label": "新标签"}


class TestOperationLog(ScopedAPITestCase, ScopedAdminTestCase):
    model = OperationLog
    url = "/api/v1/system/operation-logs/"
    point = "system.operationlog"
    can_update = False
    admin_can_add = False

    def make(self, side):
        row = audit.log_action(
            actor=side.user, action=LogAction.OTHER, company_id=side.company.pk, note=unique("记录")
        )
        return _past_retention(row)


class TestLoginLog(ScopedAPITestCase, ScopedAdminTestCase):
    model = LoginLog
    url = "/api/v1/system/login-logs/"
    point = "system.loginlog"
    can_update = False
    admin_can_add = False

    def make(self, side):
        user = side.user
        return _past_retention(
            LoginLog.objects.create(username=user.username, user=user, company=side.company, success=True)
        )


class TestSavedView(ScopedAPITestCase):
    model = SavedView
    url = "/api/v1/system/saved-views/"
    point = None  # personal rows: every user keeps their own
    can_update = False

    def create_data(self, side):
        return {"list_key": "customers.customer", "name": unique("视图"), "query": "q=1"}
