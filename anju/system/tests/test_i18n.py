import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first block is the header
    untranslated = [e for e in entries if re.search(r'msgstr ""\s*$', e.strip())]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not untranslated and not fuzzy, untranslated[:3] + fuzzy[:3]
    assert PO.with_suffix(".mo").exists()


def test_chinese_in_the_manuals_words():
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        assert gettext("Dictionaries") == "辅助资料"
        assert gettext("Business parameters") == "业务参数设置"
        assert gettext("Operation logs") == "操作日志"
        assert gettext("Data clearing") == "清空数据"


@pytest.mark.django_db
def test_pages_render_in_chinese(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.user_a)
    html = client.get("/admin/system/-/parameters/").content.decode()
    assert "业务参数设置" in html and "生效值" in html and "操作日志保留天数" in html
    html = client.get("/admin/system/-/data-clearing/").content.decode()
    assert "清空数据" in html and "业务数据表类型" in html
