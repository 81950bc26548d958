from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "anju.service"
    label = "service"
    verbose_name = _("Customer service")

    def ready(self):
        # The jobs module imports the models (through notifications and the SLA sweep): only now.
        from anju.service import notifications, tasks

        notifications.install_sender(tasks.send_deliveries)
