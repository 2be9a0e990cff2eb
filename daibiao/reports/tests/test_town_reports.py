"""A town's annual reports in one batch: queued by staff, made once by the worker with its
progress counted, kept as a .zip of .docx files for whoever sees the batch."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from daibiao.registry.choices import DeputyStatus
from daibiao.reports import services
from daibiao.reports.models import BatchStatus, ReportBatch

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def start(client, town, django_capture_on_commit_callbacks, year=YEAR):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("reports:town-reports", args=[town.pk]), {"year": year})


def test_county_staff_make_a_towns_reports_and_download_them(
    cast, client_for, django_capture_on_commit_callbacks
):
    town = cast.towns["a"]
    serving = list(town.deputies.filter(status=DeputyStatus.SERVING).values_list("name", flat=True))
    client = client_for("county")
    response = start(client, town, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    batch = ReportBatch.objects.get()
    assert (batch.status, batch.done, batch.total) == (BatchStatus.DONE, len(serving), len(serving))
    assert batch.finished_at is not None
    download = client.get(reverse("reports:batch-download", args=[batch.pk]))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = archive.namelist()
    assert len(names) == len(serving)
    for name in serving:
        (member,) = [n for n in names if name in n]
        text = "\n".join(p.text for p in Document(io.BytesIO(archive.read(member))).paragraphs)
        assert name in text
        assert str(YEAR) in text
    page = client.get(reverse("reports:town-reports", args=[town.pk]))
    assert page.context["batches"][0] == batch


def test_the_job_run_twice_makes_the_batch_once(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.request_town_reports(cast.towns["a"], YEAR, actor=cast.users["town_a"])
    assert services.make_town_reports.call(batch.pk) == "skipped"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert batch.archive.size > 0


def test_a_failure_is_recorded_and_shown(cast, monkeypatch, django_capture_on_commit_callbacks):
    def broken(record):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "annual_report", broken)
    with django_capture_on_commit_callbacks(execute=True):  # the worker logs the exception
        services.request_town_reports(cast.towns["a"], YEAR, actor=cast.users["county"])
    batch = ReportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert "disk full" in batch.error
    assert not hasattr(batch, "archive") or batch.archive is None


@pytest.mark.parametrize("user", ["leader", "unit_a", "deputy_a", "station_a"])
def test_only_staff_start_a_batch(cast, client_for, user, django_capture_on_commit_callbacks):
    response = start(client_for(user), cast.towns["a"], django_capture_on_commit_callbacks)
    assert response.status_code in (403, 404)  # 404 where the town is out of sight
    assert not ReportBatch.objects.exists()


def test_another_towns_staff_cannot_start_or_fetch_it(cast, client_for, django_capture_on_commit_callbacks):
    start(client_for("town_a"), cast.towns["a"], django_capture_on_commit_callbacks)
    batch = ReportBatch.objects.get()
    other = client_for("town_b")
    assert start(other, cast.towns["a"], django_capture_on_commit_callbacks).status_code in (403, 404)
    assert ReportBatch.objects.count() == 1
    assert other.get(reverse("reports:batch-download", args=[batch.pk])).status_code == 404
    assert client_for("leader").get(reverse("reports:batch-download", args=[batch.pk])).status_code == 200


def test_the_progress_bar_asks_again_until_the_batch_is_finished(cast, client_for):
    batch = ReportBatch.objects.create(town=cast.towns["a"], year=YEAR, total=40, done=10)
    client = client_for("county")
    url = reverse("reports:batch-detail", args=[batch.pk])
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert 'data-percent="25"' in html
    ReportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.DONE, done=40)
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html
    assert client.get(url).status_code == 200  # a plain visit gets the whole page


def test_a_bad_year_starts_nothing(cast, client_for, django_capture_on_commit_callbacks):
    response = start(client_for("county"), cast.towns["a"], django_capture_on_commit_callbacks, year="abc")
    assert response.status_code == 302
    assert not ReportBatch.objects.exists()
