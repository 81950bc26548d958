"""Staff pages shared by every list, mounted under /admin/core/-/ (namespace "core")."""

from django.urls import path

from anju.core import savedviews

urlpatterns = [
    path("saved-views/", savedviews.saved_view_create, name="saved_view_create"),
    path("saved-views/<int:pk>/delete/", savedviews.saved_view_delete, name="saved_view_delete"),
]
