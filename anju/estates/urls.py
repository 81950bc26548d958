"""Staff pages of the base-data context, mounted under /admin/estates/-/ (namespace "estates")."""

from django.contrib import admin
from django.urls import path

from anju.estates import views

urlpatterns = [
    path("buildings/<int:pk>/grid/", admin.site.admin_view(views.grid_view), name="building_grid"),
    path("buildings/<int:pk>/wizard/", admin.site.admin_view(views.wizard_view), name="building_wizard"),
    path("buildings/<int:pk>/copy/", admin.site.admin_view(views.copy_view), name="building_copy"),
    path("rooms/import/", admin.site.admin_view(views.import_view), name="room_import"),
]
