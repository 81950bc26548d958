from django.urls import path
from rest_framework.routers import SimpleRouter

from anju.customers.api import views

router = SimpleRouter()
router.register("customers/customers", views.CustomerViewSet, basename="customer")
router.register("customers/phones", views.PhoneViewSet, basename="customer-phone")
router.register("customers/contacts", views.ContactViewSet, basename="customer-contact")
router.register("customers/family-members", views.FamilyMemberViewSet, basename="customer-family")
router.register("customers/bank-accounts", views.BankAccountViewSet, basename="customer-bank")
router.register("customers/vehicles", views.VehicleViewSet, basename="customer-vehicle")
router.register("customers/relations", views.RoomCustomerViewSet, basename="customer-relation")
router.register("customers/rename-requests", views.RenameRequestViewSet, basename="customer-rename")
router.register("customers/duplicate-logs", views.DuplicateLogViewSet, basename="customer-duplicate")
router.register("customers/merge-logs", views.MergeLogViewSet, basename="customer-merge")
router.register("customers/transfer-logs", views.TransferLogViewSet, basename="customer-transfer")

urlpatterns = [
    path("customers/search/", views.SearchView.as_view(), name="customer-search"),
    *router.urls,
]
