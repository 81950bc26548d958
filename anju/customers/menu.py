from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from anju.core.registry import menu_section
from anju.org.access import has_point


def _item(title, icon, url_name, point):
    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(url_name),
        "permission": lambda request: has_point(request.user, point),
    }


@menu_section("customers")
def customers_menu(request):
    return [
        _item(_("Omni search"), "search", "customers:search", "customers.customer.view"),
        _item(_("New customer"), "person_add", "customers:wizard", "customers.customer.add"),
        _item(
            _("Customer ledger"), "contacts", "admin:customers_customer_changelist", "customers.customer.view"
        ),
        _item(_("Move-in registration"), "key", "customers:move_in", "customers.relation.add"),
        _item(
            _("Room-customer relations"),
            "home",
            "admin:customers_roomcustomer_changelist",
            "customers.relation.view",
        ),
        _item(
            _("Rename requests"),
            "edit_note",
            "admin:customers_renamerequest_changelist",
            "customers.renamerequest.view",
        ),
        _item(
            _("Family members"),
            "family_restroom",
            "admin:customers_familymember_changelist",
            "customers.customer.view",
        ),
        _item(
            _("Customer vehicles"),
            "directions_car",
            "admin:customers_vehicle_changelist",
            "customers.customer.view",
        ),
        _item(_("Import customers"), "upload_file", "customers:import", "customers.customer.import"),
        _item(
            _("Duplicate-name registrations"),
            "content_copy",
            "admin:customers_duplicatelog_changelist",
            "customers.customer.approve",
        ),
        _item(
            _("Customer merges"), "merge", "admin:customers_mergelog_changelist", "customers.customer.merge"
        ),
        _item(
            _("Customer transfers"),
            "swap_horiz",
            "admin:customers_transferlog_changelist",
            "customers.customer.view",
        ),
    ]
