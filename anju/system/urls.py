"""Staff pages under /admin/system/-/ (URL names "system:...")."""

from django.urls import path

from anju.system import views

urlpatterns = [
    path("parameters/", views.parameter_list, name="parameters"),
    path("parameters/<str:key>/", views.parameter_edit, name="parameter-edit"),
    path("data-clearing/", views.data_clearing, name="data-clearing"),
]
