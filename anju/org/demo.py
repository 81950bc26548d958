"""Demo organisation: a group, two regions, three companies (one a property firm), departments,
the four standard roles and a user for each. Passwords are printed; never used in production."""

from django.utils.translation import gettext as _

from anju.core.registry import demo_builder, permissions
from anju.org import services
from anju.org.choices import CompanyBusiness, DataRange, UnitKind

DEMO_PASSWORD = "Anju@2026"


def role_points(kind: str) -> list[str]:
    """Permission points of the four demo roles; later modules' points are included by resource."""
    codes = list(permissions.points)
    if kind == "admin":
        return codes
    if kind == "supervisor":
        return [c for c in codes if not c.startswith(("org.", "system."))] + [
            "org.user.view",
            "org.orgunit.view",
        ]
    if kind == "agent":
        return [
            c
            for c in codes
            if c.endswith((".view", ".add", ".change")) and not c.startswith(("org.", "system."))
        ]
    if kind == "engineer":
        return [
            c for c in codes if c.endswith((".view", ".change")) and not c.startswith(("org.", "system."))
        ]
    return []


@demo_builder(order=10)
def build_organisation(ctx):
    create = services.orgunit_create
    group = create(
        actor=None, parent=None, kind=UnitKind.GROUP, code="AJ", name="安居集团", short_name="安居"
    )
    south = create(actor=None, parent=group, kind=UnitKind.REGION, code="AJ-S", name="华南区域中心")
    east = create(actor=None, parent=group, kind=UnitKind.REGION, code="AJ-E", name="华东区域中心")
    sz = create(
        actor=None,
        parent=south,
        kind=UnitKind.COMPANY,
        code="AJ-SZ",
        name="深圳安居置业有限公司",
        short_name="深圳置业",
    )
    sh = create(
        actor=None,
        parent=east,
        kind=UnitKind.COMPANY,
        code="AJ-SH",
        name="上海安居置业有限公司",
        short_name="上海置业",
    )
    pm = create(
        actor=None,
        parent=south,
        kind=UnitKind.COMPANY,
        code="AJ-PM",
        name="安居物业服务有限公司",
        short_name="安居物业",
        business=CompanyBusiness.PROPERTY,
    )
    depts = {}
    for company, prefix in ((sz, "SZ"), (sh, "SH"), (pm, "PM")):
        depts[(prefix, "cs")] = create(
            actor=None, parent=company, kind=UnitKind.DEPARTMENT, code=f"{prefix}-CS", name="客户服务部"
        )
        depts[(prefix, "eng")] = create(
            actor=None, parent=company, kind=UnitKind.DEPARTMENT, code=f"{prefix}-ENG", name="工程部"
        )
    it = create(actor=None, parent=group, kind=UnitKind.DEPARTMENT, code="AJ-IT", name="信息管理部")

    admin_role = services.role_create(
        actor=None,
        company=group,
        code="sysadmin",
        name="系统管理员",
        permissions=role_points("admin"),
        data_range=DataRange.ALL,
    )
    admin = services.user_create(
        actor=None,
        username="admin",
        password=DEMO_PASSWORD,
        department=it,
        roles=[admin_role],
        must_change_password=False,
        last_name="系统",
        first_name="管理员",
        is_superuser=True,
        all_projects=True,
        mobile="13800000000",
        email="admin@example.com",
    )
    ctx.update(group=group, companies={"SZ": sz, "SH": sh, "PM": pm}, departments=depts, admin=admin)
    ctx["passwords"].append(("admin", DEMO_PASSWORD, _("Group system administrator (super user)")))

    people = [("陈", "静"), ("李", "强"), ("王", "芳"), ("赵", "磊")]
    mobile = 13800000001
    ctx["roles"] = {}
    for company, prefix in ((sz, "SZ"), (sh, "SH"), (pm, "PM")):
        roles = {
            "agent": services.role_create(
                actor=admin,
                company=company,
                code="cs_agent",
                name="客服专员",
                permissions=role_points("agent"),
                data_range=DataRange.SELF,
            ),
            "supervisor": services.role_create(
                actor=admin,
                company=company,
                code="cs_supervisor",
                name="客服主管",
                permissions=role_points("supervisor"),
                data_range=DataRange.DEPT_AND_BELOW,
            ),
            "engineer": services.role_create(
                actor=admin,
                company=company,
                code="engineer",
                name="工程师",
                permissions=role_points("engineer"),
                data_range=DataRange.SELF,
            ),
            "admin": services.role_create(
                actor=admin,
                company=company,
                code="sysadmin",
                name="系统管理员",
                permissions=role_points("admin"),
                data_range=DataRange.ALL,
            ),
        }
        ctx["roles"][prefix] = roles
        for (kind, dept_key, label), (last, first) in zip(
            (
                ("agent", "cs", "客服专员"),
                ("supervisor", "cs", "客服主管"),
                ("engineer", "eng", "工程师"),
                ("admin", "cs", "系统管理员"),
            ),
            people,
            strict=True,
        ):
            username = f"{prefix.lower()}_{kind}"
            services.user_create(
                actor=admin,
                username=username,
                password=DEMO_PASSWORD,
                department=depts[(prefix, dept_key)],
                roles=[roles[kind]],
                must_change_password=False,
                last_name=last,
                first_name=first,
                all_projects=kind in ("supervisor", "admin"),
                mobile=str(mobile),
            )
            mobile += 1
            ctx["passwords"].append((username, DEMO_PASSWORD, f"{company.short_name} {label}"))
