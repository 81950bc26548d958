"""Staff pages shared by every list, mounted under /admin/core/-/ (namespace "core")."""

from django.urls import path

from anju.core import views

urlpatterns = [
    path("saved-views/", views.saved_view_create, name="saved_view_create"),
    path("saved-views/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
]
