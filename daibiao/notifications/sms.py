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

from daibiao.core.privacy import mask_phone

logger = logging.getLogger("daibiao.sms")


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
