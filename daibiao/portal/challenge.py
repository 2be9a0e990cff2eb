"""A simple question on the public forms (no outside captcha service: the platform runs on
intranets that reach nothing outside).

The question is a sum of two small numbers. Nothing is stored when it is asked: the token is
signed (``django.core.signing``, with its time) and carries a nonce and a keyed hash of the
answer, never the answer itself, so it can be checked by any worker and expires after
``MAX_AGE``. A token that was answered once is recorded (``UsedChallenge``) and refused the
second time, so a script cannot replay one answered form. The API uses the same questions:
``GET /api/v1/public/challenge/`` hands one out, and the writes carry ``challenge_token`` and
``challenge_answer``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .models import UsedChallenge

SALT = "daibiao.portal.challenge"
MAX_AGE = dt.timedelta(minutes=30)


class ChallengeFailed(Exception):
    """The answer is missing, wrong, expired or used already; ``message`` says which."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _digest(nonce: str, answer: int) -> str:
    return salted_hmac(SALT, f"{nonce}:{answer}", algorithm="sha256").hexdigest()[:32]


def new_challenge() -> Challenge:
    """A fresh question and its signed token."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_hex(12)
    token = signing.dumps({"n": nonce, "h": _digest(nonce, a + b)}, salt=SALT)
    return Challenge(question=_("What is {a} plus {b}?").format(a=a, b=b), token=token)


def check_challenge(token: str, answer) -> str:
    """The token's nonce if ``answer`` is right and the token is fresh; else ``ChallengeFailed``."""
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ChallengeFailed(_("The question has expired. Please answer the new one.")) from exc
    except signing.BadSignature as exc:
        raise ChallengeFailed(_("Please answer the question.")) from exc
    try:
        # int() reads full-width digits (１２) too, as a phone's Chinese keyboard may type them.
        number = int(str(answer).strip())
    except (TypeError, ValueError) as exc:
        raise ChallengeFailed(_("Enter the answer as a number.")) from exc
    if not isinstance(data, dict) or not constant_time_compare(
        _digest(str(data.get("n")), number), str(data.get("h"))
    ):
        raise ChallengeFailed(_("That answer is not right. Please try the new question."))
    return str(data["n"])


def use_challenge(nonce: str) -> None:
    """Record the answered token; a second use is refused. Call inside the write's
    transaction, so that a refused write leaves the question usable."""
    try:
        with transaction.atomic():
            UsedChallenge.objects.create(nonce=nonce)
    except IntegrityError as exc:
        raise ChallengeFailed(_("This form has been sent already. Please answer the new question.")) from exc
