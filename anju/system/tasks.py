"""Periodic jobs of the system module."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from anju.system.services import logs_purge


@db_periodic_task(crontab(hour="3", minute="20"))
def purge_expired_logs():
    """Every night: delete log rows older than the retention parameter (never under 183 days)."""

    return logs_purge(actor=None)
