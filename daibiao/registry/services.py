"""Writes of the registry. Plain records go through ``core.services.save_record``; a deputy
and his or her mandates are saved together here."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from daibiao.core import audit
from daibiao.core.services import save_record

from .models import Deputy, Mandate


def save_deputy(deputy: Deputy, *, actor, mandates: Iterable[dict] | None = None) -> Deputy:
    """Create or update ``deputy``; when ``mandates`` is given, they replace the deputy's
    mandates (matched by level, so unchanged ones keep their history). One transaction."""
    with transaction.atomic(), audit.actor_bound(actor):
        save_record(deputy, actor=actor)
        if mandates is not None:
            wanted = {m["level"]: m for m in mandates}
            existing = {m.level: m for m in deputy.mandates.all()}
            for level, mandate in existing.items():
                if level not in wanted:
                    mandate.delete()
            for level, data in wanted.items():
                mandate = existing.get(level) or Mandate(deputy=deputy, level=level)
                changed = mandate._state.adding
                for key in ("term", "electoral_district"):
                    if key in data and getattr(mandate, key) != data[key]:
                        setattr(mandate, key, data[key])
                        changed = True
                if changed:
                    mandate.save()
    return deputy
