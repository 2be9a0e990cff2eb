import pytest

from daibiao.core.services import save_record
from daibiao.notifications.sms import LoggingSMSBackend


@pytest.fixture(autouse=True)
def sms_outbox():
    """The logging SMS backend's outbox, empty at the start of each test (like mail.outbox)."""
    LoggingSMSBackend.outbox.clear()
    yield LoggingSMSBackend.outbox
    LoggingSMSBackend.outbox.clear()


@pytest.fixture
def reachable(cast):
    """Cast members with an e-mail address and a mobile number, so that both channels apply."""

    def make(name, email=None, phone="13812341234"):
        user = cast.users[name]
        user.email = email if email is not None else f"{name}@example.org"
        user.phone = phone
        return save_record(user, actor=None)

    return make
