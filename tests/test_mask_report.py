"""``mask_report`` (validate/personal_rules.py): every problem and a misplaced file's path masked; a judged file's
report without problems is taken as it is (most of a city's reports), not copied."""

from __future__ import annotations

from pipeline.core.models import FileReport, Message, Problem
from pipeline.validate.personal_rules import mask_report

NIK = "3171234567890123"


def test_a_report_without_problems_is_taken_as_it_is() -> None:
    report = FileReport("submissions/2026-10/pa/agendas.csv", "2026-10", "pa", "agendas", "accepted", sha256="ab")
    assert mask_report(report) is report


def test_problems_and_a_misplaced_path_are_masked() -> None:
    problem = Problem("type-error", Message(f"nilai {NIK}", f"value {NIK}"), row=2, field="title", value=NIK)
    judged = FileReport("submissions/2026-10/pa/agendas.csv", "2026-10", "pa", "agendas", "rejected", [problem])
    masked = mask_report(judged)
    assert NIK not in repr(masked) and masked.file == judged.file and NIK in repr(judged)
    misplaced = FileReport(f"submissions/2026-10/pa/{NIK}.csv", "2026-10", "pa", None, "rejected")
    assert NIK not in mask_report(misplaced).file
