import pytest
from django import forms
from django.test import Client
from django.utils import translation
from rest_framework import serializers

from anju.core.models import OperationLog
from anju.core.testing import api_client
from anju.system import selectors, services
from anju.system.fields import DictionaryChoiceField, DictionaryCodeField, DictionaryMultipleChoiceField
from anju.system.models import Dictionary, DictionaryItem

pytestmark = pytest.mark.django_db

BUILT_IN = [
    "relationship",
    "feedback_category",
    "channel",
    "service_type",
    "customer_tag",
    "income_level",
    "marriage",
    "family_structure",
    "id_type",
    "vehicle_type",
    "customer_kind",
]


def test_built_in_dictionaries_are_seeded_in_order():
    assert set(BUILT_IN) <= set(Dictionary.objects.filter(is_system=True).values_list("code", flat=True))
    labels = [label for _code, label in selectors.dictionary_choices("relationship")]
    assert labels == ["本人", "配偶", "子女", "父母", "兄弟姐妹", "亲属", "朋友", "租客", "其他"]
    assert [label for _c, label in selectors.dictionary_choices("channel")] == [
        "电话",
        "来访",
        "网站",
        "微信",
        "邮件",
        "保修意见表",
        "交付现场",
    ]
    assert [label for _c, label in selectors.dictionary_choices("service_type")] == [
        "投诉",
        "报修",
        "咨询",
        "建议",
        "表扬",
    ]
    assert "身份证" in dict(selectors.dictionary_choices("id_type")).values()


def test_disabled_items_are_neither_offered_nor_accepted(world):
    item = DictionaryItem.objects.get(dictionary__code="relationship", code="friend")
    services.dictionaryitem_update(actor=world.superuser, item=item, data={"is_enabled": False})
    assert "friend" not in [c for c, _label in selectors.dictionary_choices("relationship")]
    assert selectors.dictionary_label("relationship", "friend") == "朋友"  # stored values still display

    class Form(forms.Form):
        relationship = DictionaryChoiceField("relationship")
        tags = DictionaryMultipleChoiceField("customer_tag", required=False)

    assert Form({"relationship": "spouse", "tags": ["vip", "elderly"]}).is_valid()
    form = Form({"relationship": "friend"})
    assert not form.is_valid() and "relationship" in form.errors
    assert not Form({"relationship": "spouse", "tags": ["nonsense"]}).is_valid()
    # Choices are read when the form is used, so a new item shows up without a restart.
    services.dictionaryitem_create(
        actor=world.superuser, dictionary=item.dictionary, code="neighbour", label="邻居"
    )
    assert Form({"relationship": "neighbour"}).is_valid()


def test_serializer_field_validates_against_the_dictionary():
    class S(serializers.Serializer):
        channel = DictionaryCodeField("channel")
        tags = serializers.ListField(child=DictionaryCodeField("customer_tag"), required=False)

    assert S(data={"channel": "wechat", "tags": ["vip"]}).is_valid()
    bad = S(data={"channel": "fax"})
    assert not bad.is_valid()
    assert "channel" in bad.errors


def test_english_label_when_english_is_active():
    with translation.override("en"):
        assert dict(selectors.dictionary_choices("relationship"))["spouse"] == "Spouse"
    with translation.override("zh-hans"):
        assert dict(selectors.dictionary_choices("relationship"))["spouse"] == "配偶"


def test_api_crud_and_refusals(world):
    client = api_client(world.superuser)
    response = client.post("/api/v1/system/dictionaries/", {"code": "pet", "name": "宠物"}, format="json")
    assert response.status_code == 201, response.content
    dictionary_id = response.json()["id"]
    assert response.json()["is_system"] is False
    item = {"dictionary": dictionary_id, "code": "dog", "label": "狗", "label_en": "Dog"}
    assert client.post("/api/v1/system/dictionary-items/", item, format="json").status_code == 201
    duplicate = client.post("/api/v1/system/dictionary-items/", item, format="json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()
    listed = client.get("/api/v1/system/dictionary-items/?dictionary__code=pet").json()
    assert [row["code"] for row in listed["results"]] == ["dog"]
    assert client.get("/api/v1/system/dictionary-choices/pet/").json() == [{"code": "dog", "label": "狗"}]
    assert client.get("/api/v1/system/dictionary-choices/nothing/").status_code == 404
    # Duplicate dictionary code: 400 naming the field.
    again = client.post("/api/v1/system/dictionaries/", {"code": "pet", "name": "x"}, format="json")
    assert again.status_code == 400 and "code" in again.json()
    # Built-in dictionaries keep their code and cannot be deleted.
    relationship = Dictionary.objects.get(code="relationship")
    response = client.patch(f"/api/v1/system/dictionaries/{relationship.pk}/", {"code": "rel"}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    response = client.delete(f"/api/v1/system/dictionaries/{relationship.pk}/")
    assert response.status_code == 400
    assert Dictionary.objects.filter(code="relationship").exists()
    assert client.delete(f"/api/v1/system/dictionaries/{dictionary_id}/").status_code == 204
    assert not DictionaryItem.objects.filter(dictionary_id=dictionary_id).exists()
    assert OperationLog.objects.filter(action="delete", object_repr="宠物").exists()


def test_item_version_conflict_is_409(world):
    item = DictionaryItem.objects.get(dictionary__code="marriage", code="single")
    client = api_client(world.superuser)
    url = f"/api/v1/system/dictionary-items/{item.pk}/"
    assert client.patch(url, {"label": "未婚人士", "version": item.version}, format="json").status_code == 200
    stale = client.patch(url, {"label": "单身", "version": item.version}, format="json")
    assert stale.status_code == 409


def test_admin_inline_items_go_through_services(world):
    client = Client()
    client.force_login(world.superuser)
    before = OperationLog.objects.count()
    response = client.post(
        "/admin/system/dictionary/add/",
        {
            "code": "colour",
            "name": "颜色",
            "description": "",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-code": "red",
            "items-0-label": "红",
            "items-0-label_en": "Red",
            "items-0-sort_order": "10",
            "items-0-is_enabled": "on",
            "items-1-code": "blue",
            "items-1-label": "蓝",
            "items-1-label_en": "",
            "items-1-sort_order": "20",
            "items-1-is_enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dictionary = Dictionary.objects.get(code="colour")
    assert list(dictionary.items.values_list("code", flat=True)) == ["red", "blue"]
    assert OperationLog.objects.count() - before == 3  # the dictionary and its two items
    page = client.get(f"/admin/system/dictionary/{dictionary.pk}/change/")
    assert page.status_code == 200
    # A built-in dictionary has no delete button and refuses deletion.
    relationship = Dictionary.objects.get(code="relationship")
    response = client.get(f"/admin/system/dictionary/{relationship.pk}/delete/")
    assert response.status_code == 403


def test_admin_inline_change_and_delete(world):
    dictionary = services.dictionary_create(actor=world.superuser, code="size", name="尺寸")
    small = services.dictionaryitem_create(actor=world.superuser, dictionary=dictionary, code="s", label="小")
    large = services.dictionaryitem_create(actor=world.superuser, dictionary=dictionary, code="l", label="大")
    client = Client()
    client.force_login(world.superuser)
    response = client.post(
        f"/admin/system/dictionary/{dictionary.pk}/change/",
        {
            "code": "size",
            "name": "尺寸",
            "description": "",
            "_version": str(dictionary.version),
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "2",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-id": str(small.pk),
            "items-0-dictionary": str(dictionary.pk),
            "items-0-code": "s",
            "items-0-label": "小号",
            "items-0-label_en": "Small",
            "items-0-sort_order": "10",
            "items-0-is_enabled": "on",
            "items-1-id": str(large.pk),
            "items-1-dictionary": str(dictionary.pk),
            "items-1-code": "l",
            "items-1-label": "大",
            "items-1-label_en": "",
            "items-1-sort_order": "20",
            "items-1-is_enabled": "on",
            "items-1-DELETE": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    small.refresh_from_db()
    assert (small.label, small.label_en, small.version) == ("小号", "Small", 2)
    assert not DictionaryItem.objects.filter(pk=large.pk).exists()
    logged = OperationLog.objects.filter(content_type__model="dictionaryitem").values_list(
        "action", flat=True
    )
    assert {"update", "delete"} <= set(logged)


def test_label_field_reads_labels_once(django_assert_num_queries):
    from anju.system.fields import DictionaryLabelField

    class Row(serializers.Serializer):
        relationship = serializers.CharField()
        relationship_label = DictionaryLabelField("relationship", source="relationship")

    rows = [{"relationship": "spouse"}, {"relationship": "child"}, {"relationship": "gone"}]
    with django_assert_num_queries(1):
        data = Row(rows, many=True).data
    assert [r["relationship_label"] for r in data] == ["配偶", "子女", "gone"]
