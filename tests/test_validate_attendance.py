"""The optional attendees column of agendas (contract revision 2): who came, only when held."""

from __future__ import annotations

import pytest
from validate_helpers import agenda_row, flat, make_datasets, report_for, write_table

from pipeline.validate.schemas import CONTRACT

WITHOUT_ATTENDEES = [c for c in CONTRACT["agendas"] if c != "attendees"]


@pytest.fixture()
def ds(tmp_path):
    return make_datasets(tmp_path)


def agenda(ds, columns=None, **kw):
    write_table(ds, "agendas", [agenda_row(**kw)], columns=columns)
    return report_for(ds, "agendas")


def test_a_file_without_the_column_stays_valid(ds):
    report = agenda(ds, columns=WITHOUT_ATTENDEES)
    assert report.accepted and report.errors == [] and report.warnings == []
    assert report.rows[0].get("attendees") is None  # unknown, never assumed


def test_held_meeting_with_its_attendees_is_accepted(ds):
    report = agenda(ds, attendees="disdukcapil;dpmptsp")
    assert report.accepted and report.warnings == []
    assert report.rows[0]["attendees"] == "disdukcapil;dpmptsp"


def test_an_empty_attendees_cell_means_unknown(ds):
    report = agenda(ds, attendees="")
    assert report.accepted and report.warnings == []


@pytest.mark.parametrize("status", ["planned", "postponed", "cancelled"])
def test_attendees_on_a_meeting_not_held_is_an_error(ds, status):
    report = agenda(ds, status=status, date="2026-10-20", attendees="dpmptsp")
    assert report.status == "rejected"
    assert flat(report.errors) == [("attendees-not-held", 2, "attendees")]
    assert status in report.errors[0].message.id and "held" in report.errors[0].message.en


def test_an_unknown_attendee_is_an_error_naming_the_code(ds):
    report = agenda(ds, attendees="disdukcapil;capil-kota")
    assert flat(report.errors) == [("unknown-attendee", 2, "attendees")]
    assert '"capil-kota"' in report.errors[0].message.id


def test_an_attendee_not_invited_is_a_warning(ds):
    report = agenda(ds, participants="disdukcapil", attendees="disdukcapil;dpmptsp")
    assert report.accepted
    assert flat(report.warnings) == [("attendee-not-invited", 2, "attendees")]
    warning = report.warnings[0]
    assert '"dpmptsp"' in warning.message.id and '"dpmptsp"' in warning.message.en
    assert warning.cell is not None and warning.cell.endswith("2")
