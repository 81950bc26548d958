"""Built-in dictionaries (辅助资料) with their standard items. Administrators may add, rename,
reorder and disable items; the lists themselves cannot be deleted."""

from django.db import migrations

DICTIONARIES = [
    (
        "relationship",
        "与客户关系",
        "家庭成员、联系人与客户的关系",
        [
            ("self", "本人", "Self"),
            ("spouse", "配偶", "Spouse"),
            ("child", "子女", "Child"),
            ("parent", "父母", "Parent"),
            ("sibling", "兄弟姐妹", "Sibling"),
            ("relative", "亲属", "Relative"),
            ("friend", "朋友", "Friend"),
            ("tenant", "租客", "Tenant"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "feedback_category",
        "反馈类别",
        "客户反馈问题的类别",
        [
            ("quality", "房屋质量", "Building quality"),
            ("property_service", "物业服务", "Property services"),
            ("sales", "销售服务", "Sales service"),
            ("contract", "合同与产权", "Contract and title"),
            ("delivery", "交付", "Delivery"),
            ("facilities", "配套设施", "Facilities"),
            ("environment", "环境卫生", "Environment and cleanliness"),
            ("security", "安全管理", "Security"),
            ("noise", "噪音", "Noise"),
            ("parking", "停车", "Parking"),
            ("fees", "收费", "Fees"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "channel",
        "受理渠道",
        "客户诉求的来源渠道",
        [
            ("phone", "电话", "Phone"),
            ("visit", "来访", "Visit"),
            ("website", "网站", "Website"),
            ("wechat", "微信", "WeChat"),
            ("email", "邮件", "E-mail"),
            ("repair_form", "保修意见表", "Repair request form"),
            ("delivery_site", "交付现场", "At delivery"),
        ],
    ),
    (
        "service_type",
        "服务类型",
        "客户诉求的服务类型",
        [
            ("complaint", "投诉", "Complaint"),
            ("repair", "报修", "Repair"),
            ("inquiry", "咨询", "Inquiry"),
            ("suggestion", "建议", "Suggestion"),
            ("praise", "表扬", "Praise"),
        ],
    ),
    (
        "customer_tag",
        "客户标签",
        "客户标签库",
        [
            ("vip", "VIP客户", "VIP"),
            ("elderly", "老年客户", "Elderly"),
            ("commercial_tenant", "商业租户", "Commercial tenant"),
            ("opinion_leader", "意见领袖", "Opinion leader"),
            ("frequent_complainer", "多次投诉", "Frequent complainer"),
            ("media_sensitive", "媒体敏感", "Media-sensitive"),
            ("employee", "内部员工", "Employee"),
        ],
    ),
    (
        "income_level",
        "收入水平",
        "家庭月收入水平",
        [
            ("below_5k", "5千元以下", "Under 5,000"),
            ("5k_10k", "5千-1万元", "5,000–10,000"),
            ("10k_20k", "1万-2万元", "10,000–20,000"),
            ("20k_50k", "2万-5万元", "20,000–50,000"),
            ("above_50k", "5万元以上", "Over 50,000"),
        ],
    ),
    (
        "marriage",
        "婚姻状况",
        "",
        [
            ("single", "未婚", "Single"),
            ("married", "已婚", "Married"),
            ("divorced", "离异", "Divorced"),
            ("widowed", "丧偶", "Widowed"),
        ],
    ),
    (
        "family_structure",
        "家庭结构",
        "",
        [
            ("single", "单身", "Single"),
            ("couple", "二人世界", "Couple"),
            ("nuclear", "三口之家", "Parents with child"),
            ("three_generations", "三代同堂", "Three generations"),
            ("elderly", "老年家庭", "Elderly household"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "id_type",
        "证件类型",
        "",
        [
            ("id_card", "身份证", "Resident ID card"),
            ("passport", "护照", "Passport"),
            ("hk_macau_permit", "港澳通行证", "Mainland travel permit for HK and Macao residents"),
            ("taiwan_permit", "台胞证", "Mainland travel permit for Taiwan residents"),
            ("business_licence", "营业执照", "Business licence"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "vehicle_type",
        "车辆类型",
        "",
        [
            ("car", "小型汽车", "Car"),
            ("suv", "SUV", "SUV"),
            ("new_energy", "新能源汽车", "New-energy vehicle"),
            ("motorcycle", "摩托车", "Motorcycle"),
            ("e_bike", "电动自行车", "E-bike"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "customer_kind",
        "客户类型",
        "",
        [
            ("individual", "个人", "Individual"),
            ("organisation", "单位", "Organisation"),
        ],
    ),
]


def create(apps, schema_editor):
    Dictionary = apps.get_model("system", "Dictionary")
    DictionaryItem = apps.get_model("system", "DictionaryItem")
    for code, name, description, items in DICTIONARIES:
        dictionary, _created = Dictionary.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "is_system": True}
        )
        if not dictionary.is_system:
            dictionary.is_system = True
            dictionary.save(update_fields=["is_system"])
        for order, (item_code, label, label_en) in enumerate(items, start=1):
            DictionaryItem.objects.get_or_create(
                dictionary=dictionary,
                code=item_code,
                defaults={"label": label, "label_en": label_en, "sort_order": order * 10},
            )


def remove(apps, schema_editor):
    Dictionary = apps.get_model("system", "Dictionary")
    Dictionary.objects.filter(code__in=[d[0] for d in DICTIONARIES], is_system=True).delete()


class Migration(migrations.Migration):
    dependencies = [("system", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
