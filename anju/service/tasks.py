"""Huey jobs: they load rows by id and run after commit."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def send_deliveries(delivery_ids):
    from anju.service.notifications import deliver_batch

    return deliver_batch(delivery_ids)


@db_periodic_task(crontab(minute="*"))
def sla_sweep():
    from anju.service.sla import sweep

    return sweep()
