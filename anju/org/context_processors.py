from anju.org import access
from anju.org.models import OrgUnit


def workspace(request):
    """The current company and project filter, shown in every staff page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/admin"):
        return {}
    company_id = access.current_company_id(user)
    companies = list(access.workable_companies(user).order_by("path").values("pk", "name", "depth")[:200])
    projects = access.describe_projects(access.selectable_project_ids(user), limit=500)
    return {
        "anju_company": OrgUnit.objects.filter(pk=company_id).first() if company_id else None,
        "anju_companies": companies,
        "anju_projects": projects,
        "anju_project_filter": set(user.project_filter or []),
    }
