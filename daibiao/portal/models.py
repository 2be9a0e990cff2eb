"""The portal's own records: the rate limiter's counters (which are also the log of every
public request) and the challenges already answered. No data of the closed loop lives here:
clues and citizens' feedback are written by ``suggestions.services``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a public request does; each kind has its own limits (``portal.limits.RULES``)."""

    CLUE = "clue", _("Problem report")  # a clue sent through the form or the API
    FEEDBACK = "feedback", _("Answer on a reply")  # solved / partly / not solved
    LOOKUP = "lookup", _("Tracking lookup")  # a tracking code looked up
    CHALLENGE = "challenge", _("Challenge fetched")  # a question fetched through the API


class Outcome(models.TextChoices):
    ADMITTED = "admitted", _("Let through")  # passed the limiter (the request may still be invalid)
    REFUSED = "refused", _("Over a limit")  # answered 429


class Attempt(models.Model):
    """How many public requests of one kind came from one address in one minute, and with
    what outcome. Counted with ``F() + 1`` on one row per (address, kind, outcome, minute), so
    a flood from one address adds a row a minute, not a row a request, and cannot fill the
    disk; ``portal.jobs.prune_public_log`` removes the rows older than the longest window.

    ``address`` is the client's IPv4 address or its IPv6 /64 network (one household or
    phone's share of IPv6), or ``*`` for refusals by the global cap. The clue rows themselves
    are in the change log, with the address they came from."""

    address = models.CharField(_("address"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    window = models.DateTimeField(_("minute"))
    count = models.IntegerField(_("count"), default=0)
    photo_bytes = models.BigIntegerField(_("photo bytes stored"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("public request count")
        verbose_name_plural = _("public request counts")
        ordering = ["-window", "address"]
        constraints = [
            models.UniqueConstraint(
                fields=["address", "kind", "outcome", "window"], name="one_counter_a_minute"
            )
        ]
        indexes = [
            models.Index(fields=["address", "kind", "window"], name="attempt_address_window"),
            models.Index(fields=["kind", "outcome", "window"], name="attempt_kind_window"),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.kind} {self.outcome} {self.window:%Y-%m-%d %H:%M} ×{self.count}"


class UsedChallenge(models.Model):
    """A challenge answered once: the same signed question cannot send a second report.
    Kept until the question would have expired anyway (pruned with the counters)."""

    nonce = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("used challenge")
        verbose_name_plural = _("used challenges")

    def __str__(self) -> str:
        return self.nonce
