from django.urls import path
from rest_framework.routers import SimpleRouter

from anju.org.api import views

router = SimpleRouter()
router.register("org/units", views.OrgUnitViewSet, basename="org-unit")
router.register("org/roles", views.RoleViewSet, basename="org-role")
router.register("org/users", views.UserViewSet, basename="org-user")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/password/", views.ChangePasswordView.as_view(), name="me-password"),
    path("me/company/", views.SwitchCompanyView.as_view(), name="me-company"),
    path("me/project-filter/", views.ProjectFilterView.as_view(), name="me-project-filter"),
    *router.urls,
]
