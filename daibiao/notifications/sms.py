"""Sending text messages: the backend interface, a logging backend, and phone masking.

``settings.SMS_BACKEND`` names the class, as ``EMAIL_BACKEND`` does for mail. A gateway
backend (a carrier's or a cloud provider's SMS API) subclasses ``BaseSMSBackend`` and raises
on refusal; the worker records the error and marks the delivery failed.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("daibiao.sms")


def mask_phone(phone: str) -> str:
    """``"13812341234"`` → ``"138****1234"``: enough to recognise one's own number, no more.

    Numbers of other lengths keep their first three and last four digits where that still
    hides something, else only their last two. (Here until ``core`` has a privacy module.)
    """
    phone = (phone or "").strip()
    if len(phone) > 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 2:
        return "*" * (len(phone) - 2) + phone[-2:]
    return "*" * len(phone)


class BaseSMSBackend:
    """Sends one text message; raises any exception when the message was not accepted."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class LoggingSMSBackend(BaseSMSBackend):
    """Development and tests: logs each message (number masked) and keeps it in ``outbox``,
    as Django's locmem e-mail backend does, so that tests can read what was sent."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)
        type(self).outbox.append((phone, text))


def get_sms_backend() -> BaseSMSBackend:
    return import_string(settings.SMS_BACKEND)()
