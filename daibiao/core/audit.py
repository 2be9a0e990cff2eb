"""The change log: who changed what, when, from which address, field by field.

Model signals feed it (signals are for the change log only; business rules live in
services). The actor and address come from a context variable: the middleware sets them for
a request, ``acting_as`` for a command, job or the demo loader.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save

# Fields that change on every save and say nothing to a reader of the trail.
IGNORED_FIELDS = frozenset({"updated_at", "created_at", "password", "last_login", "search_text"})


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None = None
    actor_name: str = ""
    remote_addr: str | None = None
    request_id: str = ""


_context: contextvars.ContextVar[AuditContext] = contextvars.ContextVar(
    "daibiao_audit",
    default=AuditContext(),  # noqa: B039 — frozen, never mutated
)


def current() -> AuditContext:
    return _context.get()


@contextlib.contextmanager
def acting_as(user=None, remote_addr: str | None = None, request_id: str = ""):
    """Attribute every change made inside the block to ``user`` (None: the system)."""
    ctx = AuditContext(
        actor_id=getattr(user, "pk", None),
        actor_name=(user.get_username() if user is not None else "system"),
        remote_addr=remote_addr,
        request_id=request_id or str(uuid.uuid4()),
    )
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


class AuditContextMiddleware:
    """Binds the request's user and client address to the changes it makes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # The API authenticates by token inside the view; ``audited_actor`` refines it then.
        actor = user if user is not None and user.is_authenticated else None
        with acting_as(actor, client_address(request)):
            return self.get_response(request)


def client_address(request) -> str | None:
    # Behind nginx the deployment guide sets REMOTE_ADDR from X-Real-IP; we do not trust
    # client-supplied X-Forwarded-For here.
    return request.META.get("REMOTE_ADDR") or None


def bind_actor(user) -> None:
    """Refine the current context's actor (the API authenticates after the middleware runs)."""
    ctx = _context.get()
    if user is not None and user.is_authenticated and ctx.actor_id != user.pk:
        _context.set(
            AuditContext(
                actor_id=user.pk,
                actor_name=user.get_username(),
                remote_addr=ctx.remote_addr,
                request_id=ctx.request_id,
            )
        )


# --- serialising field values -------------------------------------------------------------


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def snapshot(instance) -> dict:
    """The audited concrete field values of ``instance`` (foreign keys by id)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in IGNORED_FIELDS:
            continue
        data[field.attname] = _plain(field.value_from_object(instance))
    return data


def diff(before: dict | None, after: dict | None) -> dict:
    before = before or {}
    after = after or {}
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = [old, new]
    return changes


def is_audited(model) -> bool:
    return getattr(model, "audited", False)


def write_entry(instance, action: str, changes: dict, note: str = "") -> None:
    """Append one row to the change log for ``instance``, attributed to the current actor."""
    from .models import ChangeLog

    ctx = current()
    ChangeLog.objects.create(
        actor_id=ctx.actor_id,
        actor_name=ctx.actor_name,
        remote_addr=ctx.remote_addr,
        request_id=ctx.request_id,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=action,
        changes=changes,
        note=note[:300],
    )


def bulk_entries(instances, action: str) -> list:
    """Unsaved change-log rows for records created in bulk (``bulk_create`` sends no signals)."""
    from .models import ChangeLog

    ctx = current()
    return [
        ChangeLog(
            actor_id=ctx.actor_id,
            actor_name=ctx.actor_name,
            remote_addr=ctx.remote_addr,
            request_id=ctx.request_id,
            content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
            object_id=str(instance.pk),
            object_repr=str(instance)[:200],
            action=action,
            changes=diff(None, snapshot(instance)),
        )
        for instance in instances
    ]


# --- signal handlers ----------------------------------------------------------------------


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or not is_audited(sender):
        return
    before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).first()
        before = snapshot(old) if old is not None else None
    instance._audit_before = before


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw or not is_audited(sender):
        return
    before = None if created else getattr(instance, "_audit_before", None)
    changes = diff(before, snapshot(instance))
    if changes or created:
        from .models import ChangeAction

        write_entry(instance, ChangeAction.CREATE if created else ChangeAction.UPDATE, changes)
    instance._audit_before = None


def _post_delete(sender, instance, **kwargs):
    if not is_audited(sender):
        return
    from .models import ChangeAction

    write_entry(instance, ChangeAction.DELETE, diff(snapshot(instance), None))


def _m2m_changed(sender, instance, action, model, pk_set, **kwargs):
    if not is_audited(type(instance)) or action not in {"post_add", "post_remove", "post_clear"}:
        return
    from .models import ChangeAction

    field = next(
        (f.name for f in type(instance)._meta.many_to_many if f.remote_field.through is sender),
        sender._meta.model_name,
    )
    op = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    write_entry(instance, ChangeAction.UPDATE, {field: {op: sorted(pk_set or [])}})


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed

    pre_save.connect(_pre_save, dispatch_uid="daibiao_audit_pre_save")
    post_save.connect(_post_save, dispatch_uid="daibiao_audit_post_save")
    post_delete.connect(_post_delete, dispatch_uid="daibiao_audit_post_delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="daibiao_audit_m2m")


class AuditedModel(models.Model):
    """Mixin: every create, update and delete of this model lands in the change log."""

    audited = True

    class Meta:
        abstract = True


@contextlib.contextmanager
def actor_bound(user):
    """Inside a service: attribute changes to ``user``, keeping the request's address."""
    ctx = _context.get()
    if user is not None and getattr(user, "pk", None) == ctx.actor_id:
        yield ctx
        return
    with acting_as(user, ctx.remote_addr, ctx.request_id) as new_ctx:
        yield new_ctx
