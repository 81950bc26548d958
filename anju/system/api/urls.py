from django.urls import path
from rest_framework.routers import SimpleRouter

from anju.system.api import views

router = SimpleRouter()
router.register("system/dictionaries", views.DictionaryViewSet, basename="system-dictionary")
router.register("system/dictionary-items", views.DictionaryItemViewSet, basename="system-dictionary-item")
router.register("system/parameters", views.ParameterViewSet, basename="system-parameter")
router.register("system/announcements", views.AnnouncementViewSet, basename="system-announcement")
router.register("system/operation-logs", views.OperationLogViewSet, basename="system-operation-log")
router.register("system/login-logs", views.LoginLogViewSet, basename="system-login-log")
router.register("system/saved-views", views.SavedViewViewSet, basename="system-saved-view")

urlpatterns = [
    path(
        "system/dictionary-choices/<slug:code>/",
        views.DictionaryChoicesView.as_view(),
        name="system-dictionary-choices",
    ),
    path(
        "system/workbench/announcements/",
        views.PublishedAnnouncementsView.as_view(),
        name="system-published-announcements",
    ),
    path("system/data-clearing/", views.DataClearingView.as_view(), name="system-data-clearing"),
    path("system/backups/", views.BackupView.as_view(), name="system-backups"),
    *router.urls,
]
