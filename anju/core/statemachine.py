"""One state machine for every stateful model (see docs/architecture.md, "Status changes").

A context declares its machine in its `workflow.py`:

    MACHINE = StateMachine(
        RenameRequest,
        field="status",
        event_model=RenameEvent,
        event_fk="request",
        transitions=(
            Transition("approve", (RenameStatus.PENDING,), RenameStatus.APPROVED, label=_("Approve")),
            ...
        ),
    )

and every status change goes through `MACHINE.apply(row_or_pk, action, actor=..., note=...)`, which
in one transaction locks the row, refuses an illegal move (400 naming the status field; 409 when the
caller's copy was stale: someone else moved the row first), writes the new status with a conditional
UPDATE keyed on the old one, and writes the event row.

`ClockTable` says which deadline clocks run in which status (the task SLA clocks): the workflow,
the escalation sweep and the timeout marking all read it instead of repeating the status lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from anju.core.scoping import has_point
from anju.core.services import ConflictError, ServiceValidationError


@dataclass(frozen=True)
class Transition:
    """One action: from any of `sources` to `target` (None: the status stays, e.g. a reassignment).
    `point`: the permission point the acting user needs (the system, actor None, always may)."""

    action: str
    sources: frozenset[str]
    target: str | None
    point: str | None = None
    label: object = ""

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))

    @property
    def display(self) -> str:
        return str(self.label or self.action)


def _label(text: str):
    # Own context: "from", "to", "note"... mean other things in other contexts' catalogues.
    return pgettext_lazy("status event", text)


def status_field(label: str, choices=None) -> models.CharField:
    """`from_status` / `to_status` of an event model; give the subject's choices to show labels."""
    return models.CharField(_label(label), max_length=20, choices=choices, blank=True)


class StatusEvent(models.Model):
    """The columns every event row has; concrete event models add the foreign key to their subject
    (and may redeclare `from_status = status_field("from", Choices.choices)` to show labels)."""

    action = models.CharField(_label("action"), max_length=30)
    from_status = status_field("from")
    to_status = status_field("to")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_label("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_label("at"), auto_now_add=True, db_index=True)
    note = models.TextField(_label("note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action}: {self.from_status} → {self.to_status}"


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


class StateMachine:
    """The transition table of one status field, and the only code that writes that field."""

    def __init__(
        self,
        model,
        *,
        field: str = "status",
        event_model,
        event_fk: str,
        transitions: Iterable[Transition],
    ):
        self.model = model
        self.field = field
        self.event_model = event_model
        self.event_fk = event_fk
        self.transitions: dict[str, Transition] = {}
        for t in transitions:
            if t.action in self.transitions:
                raise ValueError(f"{model.__name__}: action {t.action!r} declared twice")
            self.transitions[t.action] = t
        self._event_columns = {f.name for f in event_model._meta.concrete_fields}
        self._versioned = any(f.name == "version" for f in model._meta.concrete_fields)

    # --- reading the table ---------------------------------------------------------------------
    def get(self, action: str) -> Transition:
        try:
            return self.transitions[action]
        except KeyError:
            raise ServiceValidationError(
                {"action": _("Unknown action “%(action)s”.") % {"action": action}}
            ) from None

    def status_label(self, status: str) -> str:
        choices = dict(self.model._meta.get_field(self.field).flatchoices)
        return str(choices.get(status, status))

    def can(self, status: str, action: str) -> bool:
        t = self.transitions.get(action)
        return t is not None and status in t.sources

    def available(self, instance, user=None) -> list[Transition]:
        """The actions possible from the row's status (for `user`: those whose point they hold)."""
        status = getattr(instance, self.field)
        return [
            t
            for t in self.transitions.values()
            if status in t.sources and (user is None or self._may(user, t))
        ]

    def targets(self, status: str) -> set[str]:
        return {t.target for t in self.transitions.values() if status in t.sources and t.target}

    @staticmethod
    def _may(actor, t: Transition) -> bool:
        if t.point is None or _user(actor) is None:
            return True
        return has_point(actor, t.point)

    # --- writing -------------------------------------------------------------------------------
    def check(self, current, action: str, *, actor=None, seen: str | None = None) -> Transition:
        """Refuse an action the row's status does not allow (400 naming the status field). `seen`: the
        status the caller's copy had; when the row moved since, the refusal is a conflict (409)."""
        t = self.get(action)
        status = getattr(current, self.field)
        values = {"object": current, "status": self.status_label(status), "action": t.display}
        if seen is not None and seen != status:
            # The caller decided on a status the row no longer has (someone else moved it first).
            raise ConflictError(_("%(object)s is now “%(status)s”: reload before “%(action)s”.") % values)
        if status not in t.sources:
            raise ServiceValidationError(
                {self.field: _("%(object)s is “%(status)s”: “%(action)s” is not possible.") % values}
            )
        if not self._may(actor, t):
            raise PermissionDenied(_("You may not “%(action)s” this.") % {"action": t.display})
        return t

    def lock(self, instance_or_pk):
        pk = getattr(instance_or_pk, "pk", instance_or_pk)
        return self.model.objects.select_for_update().get(pk=pk)

    def record(
        self, subject, *, action: str, from_status: str, to_status: str, actor, note: str = "", **extra
    ):
        """Write the event row (also for an action that keeps the status)."""
        values = {
            self.event_fk: subject,
            "action": action,
            "from_status": from_status,
            "to_status": to_status,
            "actor": _user(actor),
            "note": note or "",
            **extra,
        }
        note_field = self.event_model._meta.get_field("note")
        if note_field.max_length:
            values["note"] = values["note"][: note_field.max_length]
        return self.event_model.objects.create(
            **{k: v for k, v in values.items() if k in self._event_columns}
        )

    def apply(
        self,
        instance_or_pk,
        action: str,
        *,
        actor,
        note: str = "",
        changes: dict | None = None,
        expected_version: int | None = None,
        event: dict | None = None,
    ):
        """Apply `action` to the row in one transaction: lock it, check the move, write the new status
        (plus `changes`, other columns of the same decision) with a conditional UPDATE on the old
        status, and the event row (`event`: extra event columns). Returns the updated row, a fresh
        copy (the caller's instance is left as it was); its event row is `row.status_event`."""
        seen = getattr(instance_or_pk, self.field, None) if isinstance(instance_or_pk, models.Model) else None
        with transaction.atomic():
            current = self.lock(instance_or_pk)
            if expected_version is not None and self._versioned and current.version != expected_version:
                raise ConflictError(
                    _("%(object)s was changed by someone else. Reload and try again.") % {"object": current}
                )
            t = self.check(current, action, actor=actor, seen=seen)
            from_status = getattr(current, self.field)
            to_status = t.target if t.target is not None else from_status
            values = {self.field: to_status, **(changes or {})}
            update = dict(values)
            if self._versioned:
                update["version"] = F("version") + 1
            if not self.model.objects.filter(Q(pk=current.pk) & Q(**{self.field: from_status})).update(
                **update
            ):
                raise ConflictError(  # unreachable under the row lock; kept for a caller's own lock
                    _("%(object)s changed status meanwhile. Reload and try again.") % {"object": current}
                )
            for name, value in values.items():
                setattr(current, name, value)
            if self._versioned:
                current.version += 1
            current.status_event = self.record(
                current,
                action=t.action,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                note=note,
                **(event or {}),
            )
            return current


@dataclass(frozen=True)
class Clock:
    """A deadline clock: it runs while the status is in `runs_in`; `due` holds its deadline and
    `timeout` is set once it ran past it. Entering `stops_at` stamps `stamp` (the time it stopped)."""

    name: str
    runs_in: frozenset[str]
    due: str
    timeout: str
    stops_at: str | None = None
    stamp: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "runs_in", frozenset(self.runs_in))


class ClockTable:
    """Which clock runs in which status: the one place this rule is written."""

    def __init__(self, clocks: Iterable[Clock], *, field: str = "status"):
        self.clocks = tuple(clocks)
        self.field = field
        self._by_name = {c.name: c for c in self.clocks}

    def __getitem__(self, name: str) -> Clock:
        return self._by_name[name]

    def __iter__(self):
        return iter(self.clocks)

    def running(self, status: str) -> tuple[Clock, ...]:
        """The clocks running while a row is in `status`."""
        return tuple(c for c in self.clocks if status in c.runs_in)

    def runs(self, name: str, status: str) -> bool:
        return status in self[name].runs_in

    def running_q(self, name: str) -> Q:
        """Rows whose status runs the clock (for sweeps: `.filter(table.running_q("reply"), ...)`)."""
        return Q(**{f"{self.field}__in": sorted(self[name].runs_in)})

    def overdue_q(self, now) -> Q:
        """Rows with a running clock past its deadline (any clock)."""
        q = Q()
        for c in self.clocks:
            q |= Q(**{f"{c.due}__lt": now}) & self.running_q(c.name)
        return q

    def dues(self, row, *, pending_only: bool = False) -> list[tuple[str, object]]:
        """(name, due) of the clocks running on `row` that have a deadline; `pending_only`: only those
        not yet marked timed out."""
        status = getattr(row, self.field)
        return [
            (c.name, getattr(row, c.due))
            for c in self.running(status)
            if getattr(row, c.due) and not (pending_only and getattr(row, c.timeout))
        ]

    def stop(self, row, now) -> list[str]:
        """Stamp the clocks that stop in the row's (new) status; a clock stopped after its deadline
        is marked timed out. Returns the names of the clocks stopped."""
        status = getattr(row, self.field)
        stopped = []
        for c in self.clocks:
            if c.stops_at == status and c.stamp and getattr(row, c.stamp) is None:
                setattr(row, c.stamp, now)
                due = getattr(row, c.due)
                if due and now > due:
                    setattr(row, c.timeout, True)
                stopped.append(c.name)
        return stopped
