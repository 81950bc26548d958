"""Huey jobs: they load rows by id and run after commit."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from anju.service import notifications, sla


@db_task()
def send_deliveries(delivery_ids):
    return notifications.deliver_batch(delivery_ids)


@db_periodic_task(crontab(minute="*"))
def sla_sweep():
    return sla.sweep()
