"""Huey jobs: they load rows by id and run after commit."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from anju.service import notifications
from anju.tasks import sla


@db_task()
def send_deliveries(delivery_ids, token=None):
    return notifications.deliver_batch(delivery_ids, token)


@db_periodic_task(crontab(minute="*"))
def sla_sweep():
    return sla.sweep()


@db_periodic_task(crontab(minute="*"))
def delivery_sweep():
    """Re-queue pending deliveries whose retry is due or whose lease expired (a worker died)."""
    return notifications.sweep()
