"""The problem standard library seeded from ../shared/domain (类别 → 部位 → 问题 + warranty elements).

Used by the data migration (with historical models) and idempotent: existing codes are kept.
"""

# code, name, contractor unit, contractor period, buyer unit, buyer period
WARRANTY_ELEMENTS = [
    ("structure", "地基基础、主体结构", "design_life", None, "design_life", None),
    ("roof_waterproof", "屋面防水", "month", 60, "month", 36),
    ("leakage", "卫生间、房间、外墙面防渗漏", "month", 60, "month", 12),
    ("heating_cooling", "供热与供冷系统", "season", 2, "season", 1),
    ("mep", "电气管线、给排水管道、设备安装", "month", 24, "month", None),
    ("lamps_switches", "灯具、电器开关", "month", 24, "month", 6),
    ("pipe_blockage", "管道堵塞", "month", 24, "month", 2),
    ("sanitary_ware", "卫生洁具", "month", 24, "month", 12),
    ("decoration", "装修工程", "month", 24, "month", None),
    ("plaster", "抹灰层脱落", "month", 24, "month", 12),
    ("floor", "地面空鼓开裂、起砂", "month", 24, "month", 12),
    ("doors_windows", "门窗翘裂、五金件", "month", 24, "month", 12),
    ("contract", "其他项目(按合同约定)", "contract", None, "contract", None),
]

ENG, CS = "工程部", "客户服务部"
# Time limits (unit, reply, answer, process): normal defects in working days, emergency repairs
# (急修, on site within 30 minutes) in minutes round the clock, service complaints in working hours.
NORMAL = ("working_day", 1, 2, 7)
URGENT = ("minute", 30, 60, 240)
SERVICE = ("working_hour", 4, 8, 24)

# category: {part: [(problem, warranty element, severity, limits, department)]}
LIBRARY = {
    "地基与基础": {
        "地基": [("不均匀沉降", "structure", "serious", NORMAL, ENG)],
        "地下室": [("地下室渗漏", "leakage", "normal", NORMAL, ENG)],
    },
    "主体结构": {
        "梁板柱": [
            ("结构裂缝", "structure", "serious", NORMAL, ENG),
            ("露筋", "structure", "serious", NORMAL, ENG),
        ],
        "墙体": [("墙体裂缝", "structure", "normal", NORMAL, ENG)],
    },
    "防水工程": {
        "屋面": [("屋面渗漏", "roof_waterproof", "normal", NORMAL, ENG)],
        "外墙": [("外墙渗水", "leakage", "normal", NORMAL, ENG)],
        "卫生间": [("卫生间地面渗漏", "leakage", "normal", NORMAL, ENG)],
        "厨房": [("厨房地面渗漏", "leakage", "normal", NORMAL, ENG)],
    },
    "建筑给排水": {
        "给水管道": [
            ("管道漏水", "leakage", "normal", NORMAL, ENG),
            ("水管爆裂", "mep", "urgent", URGENT, ENG),
        ],
        "排水管道": [
            ("管道堵塞", "pipe_blockage", "normal", NORMAL, ENG),
            ("地漏返味", "mep", "low", NORMAL, ENG),
        ],
    },
    "电气(强电/弱电)": {
        "线路": [("线路短路", "mep", "urgent", URGENT, ENG), ("整户停电", "mep", "urgent", URGENT, ENG)],
        "灯具开关": [
            ("灯具不亮", "lamps_switches", "low", NORMAL, ENG),
            ("开关插座损坏", "lamps_switches", "low", NORMAL, ENG),
        ],
        "弱电": [
            ("网络/电视信号不通", "mep", "low", NORMAL, ENG),
            ("可视对讲故障", "mep", "low", NORMAL, ENG),
        ],
    },
    "采暖及制冷": {
        "暖气": [("暖气不热", "heating_cooling", "normal", NORMAL, ENG)],
        "地暖": [("地暖漏水", "heating_cooling", "urgent", URGENT, ENG)],
    },
    "通风与中央空调": {
        "空调": [("空调不制冷", "heating_cooling", "normal", NORMAL, ENG)],
        "排风": [("排风不畅", "mep", "low", NORMAL, ENG)],
    },
    "室内装修": {
        "门窗": [
            ("门窗变形", "doors_windows", "normal", NORMAL, ENG),
            ("五金件损坏", "doors_windows", "low", NORMAL, ENG),
            ("窗户渗水", "leakage", "normal", NORMAL, ENG),
        ],
        "地面/地砖": [
            ("空鼓", "floor", "normal", NORMAL, ENG),
            ("开裂", "floor", "normal", NORMAL, ENG),
            ("起砂", "floor", "low", NORMAL, ENG),
            ("反坡积水", "floor", "normal", NORMAL, ENG),
        ],
        "墙面抹灰": [
            ("抹灰层脱落", "plaster", "normal", NORMAL, ENG),
            ("墙面开裂", "decoration", "low", NORMAL, ENG),
        ],
        "顶棚": [
            ("顶棚开裂", "decoration", "low", NORMAL, ENG),
            ("顶棚渗水", "leakage", "normal", NORMAL, ENG),
        ],
        "卫生洁具": [
            ("洁具破损", "sanitary_ware", "normal", NORMAL, ENG),
            ("马桶漏水", "sanitary_ware", "normal", NORMAL, ENG),
        ],
        "橱柜": [("橱柜门板变形", "decoration", "low", NORMAL, ENG)],
        "厨具": [("燃气灶故障", "contract", "normal", NORMAL, ENG)],
    },
    "室外装饰": {"外立面": [("外墙饰面脱落", "decoration", "serious", NORMAL, ENG)]},
    "保温": {"外墙保温": [("保温层开裂", "contract", "normal", NORMAL, ENG)]},
    "电梯": {
        "轿厢": [("电梯困人", "mep", "urgent", URGENT, ENG), ("电梯异响", "mep", "normal", NORMAL, ENG)]
    },
    "智能建筑(安防/消防/停车场)": {
        "安防": [("门禁故障", "mep", "normal", NORMAL, ENG)],
        "消防": [("消防报警误报", "mep", "normal", NORMAL, ENG)],
        "停车场": [("道闸故障", "mep", "normal", NORMAL, ENG)],
    },
    "室内环境": {"空气质量": [("异味/甲醛超标", "contract", "serious", NORMAL, ENG)]},
    "室外工程": {
        "道路": [("路面破损", "contract", "low", NORMAL, ENG)],
        "绿化": [("绿化枯死", "contract", "low", NORMAL, ENG)],
        "车位": [("车位划线不清", "contract", "low", NORMAL, ENG)],
        "围墙": [("围墙破损", "contract", "low", NORMAL, ENG)],
        "信报箱": [("信报箱损坏", "contract", "low", NORMAL, ENG)],
    },
    "服务质量": {
        "服务态度": [("服务态度差", None, "normal", SERVICE, CS)],
        "办事效率": [("处理不及时", None, "normal", SERVICE, CS)],
    },
    "环境卫生": {"公共区域": [("垃圾未清运", None, "normal", SERVICE, CS)]},
    "安全管理": {"治安": [("陌生人进入", None, "serious", SERVICE, CS)]},
    "噪音": {"施工噪音": [("装修扰民", None, "normal", SERVICE, CS)]},
    "停车": {"车位管理": [("车位被占用", None, "normal", SERVICE, CS)]},
}


def seed(apps=None) -> int:
    """Create the library rows that do not exist yet; returns how many problems were added."""
    if apps is None:
        from django.apps import apps as _apps

        apps = _apps
    WarrantyElement = apps.get_model("service", "WarrantyElement")
    ProblemCategory = apps.get_model("service", "ProblemCategory")
    Problem = apps.get_model("service", "Problem")
    elements = {}
    for code, name, cu, cp, bu, bp in WARRANTY_ELEMENTS:
        elements[code], _c = WarrantyElement.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "contractor_unit": cu,
                "contractor_period": cp,
                "buyer_unit": bu,
                "buyer_period": bp,
            },
        )
    added = 0
    for ci, (category, parts) in enumerate(LIBRARY.items(), start=1):
        cat, _c = ProblemCategory.objects.get_or_create(
            code=f"C{ci:02d}", defaults={"name": category, "sort_order": ci * 100}
        )
        for pi, (part, problems) in enumerate(parts.items(), start=1):
            p, _c = ProblemCategory.objects.get_or_create(
                code=f"C{ci:02d}{pi:02d}", defaults={"name": part, "parent": cat, "sort_order": ci * 100 + pi}
            )
            for qi, (name, element, severity, limits, dept) in enumerate(problems, start=1):
                unit, reply, answer, process = limits
                _obj, created = Problem.objects.get_or_create(
                    code=f"C{ci:02d}{pi:02d}{qi:02d}",
                    defaults={
                        "part": p,
                        "name": name,
                        "warranty_element": elements.get(element) if element else None,
                        "severity": severity,
                        "limit_unit": unit,
                        "reply_limit": reply,
                        "answer_limit": answer,
                        "process_limit": process,
                        "default_department_name": dept,
                    },
                )
                added += created
    return added
