"""The export as a background job: the same function the worker and the CLI run."""

import csv
import io

import pytest
from openpyxl import load_workbook

from merkur.jobs.context import JobError
from merkur.jobs.models import JobStatus
from merkur.jobs.services import enqueue, run_inline
from merkur.jobs.worker import Worker
from tests.factories import make_company

pytestmark = pytest.mark.django_db

KIND = "transfer.export_addresses"


def params(**options) -> dict:
    return {
        "source": "companies",
        "params": {"country": ["AT"]},
        "options": {"columns": ["company.number", "address.city"], **options},
    }


def test_run_inline_writes_the_file_and_reports(world, admin_user, tmp_path):
    seen = []
    summary = run_inline(
        KIND,
        params(format="xlsx"),
        user=admin_user,
        result_dir=tmp_path,
        progress=lambda done, total, message: seen.append((done, total)),
    )
    assert summary == {"rows": 1, "format": "xlsx"}
    (path,) = tmp_path.glob("*.xlsx")
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows == [("Kundennummer", "Ort"), ("K-200", "Wien")]
    assert seen[-1] == (1, 1)


def test_the_job_user_decides_what_is_visible(world, tmp_path, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    with pytest.raises(JobError):
        run_inline(KIND, params(), user=nobody, result_dir=tmp_path)


def test_a_refused_encoding_fails_the_job_with_the_report(db, admin_user, tmp_path):
    make_company(name="Łódź S.A.", address={"country": "AT", "postal_code": "1010", "city": "Wien"})
    with pytest.raises(JobError) as error:
        run_inline(
            KIND,
            params(encoding="windows-1252", columns=["company.name"]),
            user=admin_user,
            result_dir=tmp_path,
        )
    assert "U+0141" in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_replaced_characters_are_in_the_summary(db, admin_user, tmp_path):
    make_company(name="Łódź S.A.", address={"country": "AT", "postal_code": "1010", "city": "Wien"})
    summary = run_inline(
        KIND,
        params(encoding="windows-1252", on_unencodable="replace", columns=["company.name"]),
        user=admin_user,
        result_dir=tmp_path,
    )
    assert summary["unencodable"]["count"] == 2
    (path,) = tmp_path.glob("*.csv")
    assert list(csv.reader(io.StringIO(path.read_text("cp1252")), delimiter=";"))[1] == [
        "?ód? S.A."
    ]


def test_the_worker_runs_it_and_offers_the_download(world, admin_user, admin_client):
    job = enqueue(KIND, params(format="xlsx"), user=admin_user)
    Worker(threaded=False, purge_after=None).run(burst=True)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.result["rows"] == 1
    page = admin_client.get(job.get_absolute_url()).content.decode()
    assert 'id="export-summary"' in page
    download = admin_client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert load_workbook(io.BytesIO(data)).active["A2"].value == "K-200"
