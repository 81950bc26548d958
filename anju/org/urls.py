"""Staff pages of the organisation context, mounted under /admin/org/-/ (namespace "org")."""

from django.urls import path

from anju.org import views

urlpatterns = [
    path("workspace/company/", views.switch_company, name="switch_company"),
    path("workspace/projects/", views.set_project_filter, name="set_project_filter"),
]
