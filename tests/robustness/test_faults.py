"""Faults: the database going away mid-request, a worker killed while sending reminders, an
upload that breaks off. Each leaves the data as it was committed, and the platform working.

Run on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``); the tests that kill a real
PostgreSQL backend are skipped on SQLite, which has no server to lose.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from daibiao.core.middleware_db import is_database_unavailable
from daibiao.core.services import save_record
from daibiao.core.testing.cast import build_cast
from daibiao.notifications import services as notifications_services
from daibiao.notifications.choices import Channel, DeliveryStatus
from daibiao.notifications.jobs import absolute_url, sms_text
from daibiao.notifications.models import Delivery, Notification
from daibiao.notifications.sms import BaseSMSBackend
from daibiao.suggestions.jobs import run_deadline_checks
from daibiao.suggestions.models import Assignment, Clue, Suggestion

on_postgres = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs a PostgreSQL server: SQLite has no backend to terminate",
)


def outage_message() -> str:
    from daibiao.core.middleware_db import unavailable_message

    with translation.override("zh-hans"):
        return unavailable_message()


# --- the database going away -------------------------------------------------------------------


def driver_outage() -> Exception:
    """The error the driver raises when the server or the file is gone."""
    if connection.vendor == "sqlite":
        return sqlite3.OperationalError("unable to open database file")
    import psycopg

    return psycopg.OperationalError("server closed the connection unexpectedly")


@contextlib.contextmanager
def database_fails(marker: str, error=driver_outage):
    """Every query whose SQL holds ``marker`` fails as the driver fails when the database is
    gone (wrapped by Django as in real life); the other queries run."""

    def wrapper(execute, sql, params, many, context):
        if marker in sql:
            with context["connection"].wrap_database_errors:
                raise error()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


@pytest.mark.parametrize(
    ("make", "outage"),
    [
        (lambda: sqlite3.OperationalError("database is locked"), True),
        (lambda: sqlite3.OperationalError("unable to open database file"), True),
        (lambda: sqlite3.OperationalError("no such table: suggestions_suggestion"), False),
        (lambda: sqlite3.IntegrityError("UNIQUE constraint failed"), False),
    ],
)
def test_only_errors_of_the_connection_count_as_the_database_being_unavailable_sqlite(make, outage):
    error = OperationalError("x") if isinstance(make(), sqlite3.OperationalError) else IntegrityError("x")
    error.__cause__ = make()
    assert is_database_unavailable(error) is outage


def test_only_errors_of_the_connection_count_as_the_database_being_unavailable_postgres():
    psycopg = pytest.importorskip("psycopg")
    errors = psycopg.errors

    def wrapped(cause, kind=OperationalError):
        error = kind(str(cause))
        error.__cause__ = cause
        return error

    assert is_database_unavailable(wrapped(psycopg.OperationalError("connection refused")))
    assert is_database_unavailable(wrapped(errors.AdminShutdown("terminating connection")))
    assert is_database_unavailable(wrapped(errors.TooManyConnections("too many clients")))
    assert is_database_unavailable(wrapped(errors.CannotConnectNow("the database system is starting up")))
    assert is_database_unavailable(InterfaceError("connection already closed"))
    assert not is_database_unavailable(wrapped(errors.DeadlockDetected("deadlock detected")))
    assert not is_database_unavailable(wrapped(errors.QueryCanceled("statement timeout")))
    assert not is_database_unavailable(wrapped(errors.UniqueViolation("duplicate key"), IntegrityError))
    assert not is_database_unavailable(DatabaseError("no cause"))


@pytest.mark.django_db(transaction=True)
def test_a_page_answers_503_in_the_users_language_and_the_next_request_works(cast, client_for):
    client = client_for("town_a")
    with database_fails('"suggestions_suggestion"'):
        response = client.get("/loop/suggestions/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert outage_message() in page
    with translation.override("zh-hans"):
        assert gettext("The platform is briefly unavailable") in page
    assert client.get("/loop/suggestions/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_json_and_the_next_request_works(cast, api_for):
    client = api_for("town_a")
    with database_fails('"suggestions_suggestion"'):
        response = client.get("/api/v1/suggestions/")
    assert response.status_code == 503
    assert response.json() == {"detail": outage_message()}
    assert int(response["Retry-After"]) > 0
    assert client.get("/api/v1/suggestions/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_the_session_is_loaded_is_a_503_too(cast, client_for):
    # The session and the user are loaded by middleware, before any view: Django turns the
    # error into a 500 there, which the outer middleware must still report as a 503.
    client = client_for("town_a")
    client.raise_request_exception = False
    with database_fails('"django_session"'):
        response = client.get("/loop/suggestions/")
    assert response.status_code == 503
    assert outage_message() in response.content.decode()
    assert client.get("/loop/suggestions/").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/loop/suggestions/", "/api/v1/suggestions/"])
def test_errors_that_are_not_about_the_connection_stay_server_errors(cast, client_for, api_for, path):
    # A 503 says "try again"; a missing table or a deadlock is not cured by trying again.
    if connection.vendor == "sqlite":

        def error():
            return sqlite3.OperationalError("no such table: suggestions_suggestion")
    else:
        import psycopg

        def error():
            return psycopg.errors.DeadlockDetected("deadlock detected")

    client = api_for("town_a") if path.startswith("/api/") else client_for("town_a")
    client.raise_request_exception = False
    with database_fails('"suggestions_suggestion"', error):
        response = client.get(path)
    assert response.status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_write_cut_off_by_the_outage_is_not_half_kept_and_committed_data_stays(cast, api_for):
    client = api_for("deputy_a")
    first = client.post(
        "/api/v1/clues/", {"title": "路灯坏了", "content": "村口路灯坏了三盏。"}, format="json"
    )
    assert first.status_code == 201, first.content

    # The clue's row is inserted, then the database goes away before its change-log row:
    # the transaction never commits, so neither row may remain.
    with database_fails('INSERT INTO "core_changelog"'):
        response = client.post(
            "/api/v1/clues/", {"title": "断掉的写入", "content": "这条不应留下。"}, format="json"
        )
    assert response.status_code == 503
    assert response.json() == {"detail": outage_message()}

    assert Clue.objects.filter(pk=first.json()["id"]).exists()
    assert not Clue.objects.filter(title="断掉的写入").exists()
    again = client.post(
        "/api/v1/clues/", {"title": "恢复后再报", "content": "数据库恢复后提交。"}, format="json"
    )
    assert again.status_code == 201, again.content


# --- a real PostgreSQL backend terminated mid-request --------------------------------------------


@contextlib.contextmanager
def backend_terminated_at(marker: str):
    """When the request's connection is about to run SQL holding ``marker``, terminate its
    PostgreSQL backend from another connection (``pg_terminate_backend``, as a restart or a
    failover does) and wait until it is gone; the query then meets a dead connection."""
    import psycopg

    params = connection.get_connection_params()
    fired = []

    def wrapper(execute, sql, params_, many, context):
        if marker in sql and not fired:
            fired.append(True)
            pid = context["connection"].connection.info.backend_pid
            with psycopg.connect(**params, autocommit=True) as admin:
                assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
                for _ in range(500):  # the backend exits at once; wait until it has
                    if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                        break
                    time.sleep(0.01)
        return execute(sql, params_, many, context)

    with connection.execute_wrapper(wrapper):
        yield
    assert fired, f"no query held {marker!r}"


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_terminated_backend_mid_write_gives_503_json_and_loses_nothing_committed(cast, api_for):
    client = api_for("deputy_a")
    first = client.post(
        "/api/v1/clues/", {"title": "桥面破损", "content": "河上小桥桥面破损。"}, format="json"
    )
    assert first.status_code == 201, first.content

    with backend_terminated_at('INSERT INTO "core_changelog"'):
        response = client.post(
            "/api/v1/clues/", {"title": "断掉的写入", "content": "这条不应留下。"}, format="json"
        )
    assert response.status_code == 503
    assert response.json() == {"detail": outage_message()}

    assert Clue.objects.filter(pk=first.json()["id"]).exists()
    assert not Clue.objects.filter(title="断掉的写入").exists()
    again = client.post(
        "/api/v1/clues/", {"title": "恢复后再报", "content": "数据库恢复后提交。"}, format="json"
    )
    assert again.status_code == 201, again.content


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_terminated_backend_mid_page_gives_the_503_page_and_the_next_page_works(cast, client_for):
    client = client_for("town_a")
    with backend_terminated_at('"suggestions_suggestion"'):
        response = client.get("/loop/suggestions/")
    assert response.status_code == 503
    assert outage_message() in response.content.decode()
    assert client.get("/loop/suggestions/").status_code == 200


# --- a worker killed while it sends reminders --------------------------------------------------


class SendThenDie(BaseSMSBackend):
    """An SMS gateway that logs each message it accepts to ``$ROBUSTNESS_SMS_LOG``, and kills its
    own process with SIGKILL right after accepting message number ``$ROBUSTNESS_KILL_AFTER``: the
    worst moment, when the gateway has the message and the worker has not yet recorded it."""

    def send(self, phone: str, text: str) -> None:
        log = Path(os.environ["ROBUSTNESS_SMS_LOG"])
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{phone}\t{text}\n")
            handle.flush()
            os.fsync(handle.fileno())
        kill_after = int(os.environ.get("ROBUSTNESS_KILL_AFTER") or 0)
        if kill_after and len(log.read_text(encoding="utf-8").splitlines()) == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)


# What runs in the worker process: the scheduler's periodic jobs are enqueued in the database's
# task queue, then the production worker (django-tasks-db's db_worker) runs until it is empty.
WORKER = """
import django, os
from django.conf import settings
settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
settings.SMS_BACKEND = "tests.robustness.test_faults.SendThenDie"
django.setup()
from django.core.management import call_command
from daibiao.notifications.jobs import retry_deliveries
from daibiao.suggestions.jobs import check_deadlines
check_deadlines.enqueue()
retry_deliveries.enqueue()
call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
"""


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"  # the file copy made by ``database_on_file``
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_worker(sms_log: Path, kill_after: int = 0) -> int:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "daibiao.settings.test",
        "DATABASE_URL": database_url(),
        "ROBUSTNESS_SMS_LOG": str(sms_log),
        "ROBUSTNESS_KILL_AFTER": str(kill_after),
    }
    root = Path(settings.BASE_DIR).parent
    done = subprocess.run(  # noqa: S603 — our own interpreter and script
        [sys.executable, "-c", WORKER], env=env, cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode in (0, -signal.SIGKILL), done.stderr[-3000:]
    return done.returncode


def make_reminders_due(cast) -> None:
    """Every user reachable by text message, and deadlines that call for reminders and
    escalations to many of them: a dozen and more text messages in one run of the job."""
    for i, user in enumerate(cast.users.values()):
        user.phone = str(13600000000 + i)
        save_record(user, actor=None)
    now = timezone.now()
    a, b = cast.suggestions["a"], cast.suggestions["b"]
    Assignment.objects.filter(suggestion=a).update(acknowledge_by=now - dt.timedelta(hours=2))
    Suggestion.objects.filter(pk=a.pk).update(deadline=now - dt.timedelta(days=1))
    Suggestion.objects.filter(pk=b.pk).update(deadline=now - dt.timedelta(days=1))


def expected_texts() -> Counter:
    """Each SMS delivery of the inbox, as the gateway should receive it: (number, text)."""
    with translation.override(settings.LANGUAGE_CODE):
        return Counter(
            (
                d.notification.recipient.phone,
                sms_text(d.notification.subject, absolute_url(d.notification.link)),
            )
            for d in Delivery.objects.filter(channel=Channel.SMS).select_related("notification__recipient")
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_on_file")
def test_a_worker_killed_after_k_of_n_reminders_resumes_with_the_rest_and_sends_none_twice(tmp_path):
    cast = build_cast()
    make_reminders_due(cast)
    sms_log = tmp_path / "gateway.log"
    k = 3

    assert run_worker(sms_log, kill_after=k) == -signal.SIGKILL
    sent_before = sms_log.read_text(encoding="utf-8").splitlines()
    assert len(sent_before) == k
    n = Delivery.objects.filter(channel=Channel.SMS).count()
    assert n >= 2 * k, "the job should have more to send than the worker got through"
    notifications = set(Notification.objects.values_list("pk", flat=True))
    # The k-th message reached the gateway, but the worker died before recording it: it is in
    # doubt ("sending"), and the rest wait in the task queue.
    sms = Delivery.objects.filter(channel=Channel.SMS)
    assert sms.filter(status=DeliveryStatus.SENT).count() == k - 1
    assert sms.filter(status=DeliveryStatus.SENDING).count() == 1

    # The worker restarts, and the scheduler runs the deadline and retry jobs again.
    assert run_worker(sms_log) == 0

    sent = [tuple(line.split("\t", 1)) for line in sms_log.read_text(encoding="utf-8").splitlines()]
    assert len(sent) == n  # k before the kill, exactly n - k after it
    assert Counter(sent) == expected_texts()  # every message once, none twice
    assert set(Notification.objects.values_list("pk", flat=True)) == notifications  # no new notices
    # The one in doubt is not sent again (a duplicate text is worse); everything else went out.
    assert sms.filter(status=DeliveryStatus.SENT).count() == n - 1
    assert sms.filter(status=DeliveryStatus.SENDING).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_deadline_job_interrupted_after_k_notices_creates_only_the_rest_when_run_again(cast, monkeypatch):
    make_reminders_due(cast)
    earlier = set(Notification.objects.values_list("recipient_id", "dedupe_key"))  # the cast's own
    real_notify = notifications_services.notify
    calls = []

    def notify_then_die(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker is stopped between two notices
        calls.append(real_notify(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(notifications_services, "notify", notify_then_die)
    with pytest.raises(KeyboardInterrupt):
        run_deadline_checks()
    done = {(n.recipient_id, n.dedupe_key) for batch in calls for n in batch}
    assert done
    assert set(Notification.objects.values_list("recipient_id", "dedupe_key")) == earlier | done

    monkeypatch.setattr(notifications_services, "notify", real_notify)
    counts = run_deadline_checks()
    rows = list(Notification.objects.values_list("recipient_id", "dedupe_key"))
    assert len(rows) == len(set(rows))  # nobody told twice
    assert sum(counts.values()) == len(rows) - len(earlier) - len(done)  # exactly the rest
    assert run_deadline_checks() == dict.fromkeys(counts, 0)


# --- an upload that breaks off -----------------------------------------------------------------

BOUNDARY = "----robustness-boundary"


def png_bytes(side: int = 400) -> bytes:
    """A real PNG of noise (so that it does not compress to nothing): about side² × 3 bytes."""
    from PIL import Image

    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, content in files:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def stored_files() -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_ROOT)]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


def clue_upload(photo: bytes) -> bytes:
    return multipart({"title": "断了的上传", "content": "照片没传完。"}, [("photos", "护栏.png", photo)])


def cut_points(body: bytes, photo: bytes) -> dict[str, int]:
    """Where a body may break off: inside a field, inside the photo, and just before the
    closing boundary (every byte of the photo arrived, but not the end of the request)."""
    start = body.index(photo)
    return {
        "in a field": body.index("照片没传完".encode()) + 3,
        "in the photo": start + len(photo) // 2,
        "before the closing boundary": len(body) - len(f"--{BOUNDARY}--\r\n"),
    }


@pytest.fixture
def upload_dirs(settings, tmp_path):
    """Uploads over 1 kB go to temporary files in a folder of the test's own, to be checked."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    (tmp_path / "upload-tmp").mkdir()
    return tmp_path / "upload-tmp"


def post_cut_short(client, url: str, body: bytes, sent: int):
    """POST ``body`` announcing its full length, of which only ``sent`` bytes arrive before the
    stream ends: what the WSGI server hands Django when the client's connection drops."""
    return client.generic(
        "POST",
        url,
        b"",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **{"wsgi.input": io.BytesIO(body[:sent]), "CONTENT_LENGTH": str(len(body))},
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["in a field", "in the photo", "before the closing boundary"])
def test_a_clue_whose_upload_breaks_off_is_not_recorded_and_leaves_no_file(cast, api_for, upload_dirs, where):
    client = api_for("deputy_a")
    photo = png_bytes()
    body = clue_upload(photo)
    clues, files = Clue.objects.count(), stored_files()

    response = post_cut_short(client, "/api/v1/clues/", body, cut_points(body, photo)[where])

    assert response.status_code == 400
    assert Clue.objects.count() == clues
    assert stored_files() == files
    assert list(upload_dirs.iterdir()) == []

    # The same body, whole, is recorded with its photo: the refusal above was the cut.
    response = post_cut_short(client, "/api/v1/clues/", body, len(body))
    assert response.status_code == 201, response.content
    assert len(response.json()["attachments"]) == 1
    assert len(stored_files()) == len(files) + 1
    assert list(upload_dirs.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_a_reply_whose_file_breaks_off_is_not_given_and_leaves_no_file(cast, api_for, upload_dirs):
    from daibiao.suggestions import services

    suggestion = cast.suggestions["a"]
    services.acknowledge_suggestion(suggestion, actor=cast.users["unit_a"])
    document = b"%PDF-1.4\n" + os.urandom(50_000) + b"\n%%EOF\n"
    body = multipart({"category": "A", "text": "已安装护栏。"}, [("files", "答复.pdf", document)])
    files = stored_files()
    url = f"/api/v1/suggestions/{suggestion.pk}/reply/"

    response = post_cut_short(api_for("unit_a"), url, body, body.index(document) + 20_000)

    assert response.status_code == 400
    suggestion.refresh_from_db()
    assert suggestion.state == "handling"
    assert not suggestion.replies.exists()
    assert stored_files() == files
    assert list(upload_dirs.iterdir()) == []


# --- the same through a real HTTP server and a socket that goes away ----------------------------

PORTS = range(18150, 18170)  # the ports this suite may use


@pytest.fixture
def http_server(database_on_file):
    """A real threaded HTTP server (Django's, as ``runserver`` and ``live_server`` use) on one of
    our ports, serving the test database through connections of its own."""
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

    for port in PORTS:
        thread = LiveServerThread("127.0.0.1", _StaticFilesHandler, port=port)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error is None:
            break
        thread.join()
    else:
        pytest.skip(f"no free port in {PORTS}")
    yield ("127.0.0.1", port)
    thread.terminate()


@pytest.fixture
def finished_requests():
    """Set each time the server has finished a request (its response closed)."""
    import threading

    from django.core.signals import request_finished

    done = threading.Event()

    def receiver(**kwargs):
        done.set()

    request_finished.connect(receiver, weak=False)
    yield done
    request_finished.disconnect(receiver)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("read_answer", [True, False], ids=["half-closed", "closed"])
def test_a_real_connection_dropped_mid_upload_records_nothing(
    cast, http_server, finished_requests, upload_dirs, read_answer
):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=cast.users["deputy_a"]).key
    photo = png_bytes()
    body = clue_upload(photo)
    clues, files = Clue.objects.count(), stored_files()
    head = (
        "POST /api/v1/clues/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{http_server[1]}\r\n"
        f"Authorization: Token {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()

    with socket.create_connection(http_server, timeout=60) as sock:
        sock.sendall(head + body[: body.index(photo) + len(photo) // 2])
        answer = b""
        if read_answer:
            sock.shutdown(socket.SHUT_WR)  # the phone stops sending; the server sees the end
            while chunk := sock.recv(65536):
                answer += chunk
    assert finished_requests.wait(timeout=120), "the server never finished the request"

    if read_answer:
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert Clue.objects.count() == clues
    assert stored_files() == files
    assert list(upload_dirs.iterdir()) == []
