from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "anju.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        try:
            from anju.estates.hooks import register_room_customer_checker
        except ImportError:  # estates without the hook registry
            return
        from anju.customers.selectors import rooms_with_customers

        register_room_customer_checker(rooms_with_customers)
