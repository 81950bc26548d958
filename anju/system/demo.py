"""Demo announcements and business parameters (built on the demo organisation)."""

from datetime import timedelta

from django.utils import timezone

from anju.core.registry import demo_builder
from anju.system import services


@demo_builder(order=15)
def build_system(ctx):
    admin = ctx["admin"]
    group = ctx["group"]
    companies = ctx["companies"]
    now = timezone.now()
    services.announcement_create(
        actor=admin,
        company=group,
        title="欢迎使用安居客户服务系统",
        body="各位同事：\n新系统已上线，请使用本人账号登录，首次登录后修改密码。\n如有问题请联系集团信息管理部。",
        publish_from=now - timedelta(days=1),
        is_pinned=True,
    )
    services.announcement_create(
        actor=admin,
        company=companies["SZ"],
        title="深圳置业：本周六交付现场值班安排",
        body="本周六上午9:00在售楼处集合，客服部、工程部全员到岗，负责交付现场的接待与问题登记。",
        publish_from=now - timedelta(hours=2),
        publish_until=now + timedelta(days=7),
    )
    services.announcement_create(
        actor=admin,
        company=companies["PM"],
        title="安居物业：雨季防汛检查通知",
        body="请各项目在本月底前完成地下车库、排水沟与屋面的防汛检查，并在系统中登记检查结果。",
        publish_from=now - timedelta(hours=5),
    )
    services.announcement_create(
        actor=admin,
        company=companies["SH"],
        title="上海置业：客户回访规范更新",
        body="投诉类任务关闭后3天内须完成100%回访；维修类按30%抽样回访。",
        publish_from=now - timedelta(days=2),
    )
    # The property firm matches customers by name + ID number and keeps customers to itself.
    services.parameter_set(
        actor=admin, company=companies["PM"], key="customer.matching_mode", value="name_id"
    )
    services.parameter_set(
        actor=admin, company=companies["PM"], key="customer.sharing_scope", value="company"
    )
