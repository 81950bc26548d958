"""Staff pages under /admin/customers/-/ (URL names "customers:...")."""

from django.urls import path

from anju.customers import views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("new/", views.wizard, name="wizard"),
    path("customer/<int:pk>/", views.customer_page, name="customer"),
    path("customer/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("customer/<int:pk>/rename-request/", views.rename_request, name="rename_request"),
    path("relation/<int:pk>/move-out/", views.move_out, name="move_out"),
    path("move-in/", views.move_in, name="move_in"),
    path("import/", views.import_view, name="import"),
]
