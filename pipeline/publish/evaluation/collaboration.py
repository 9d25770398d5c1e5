"""Collaboration: inter-agency meetings by type and outcome, invitations, attendance, who met whom."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.publish.evaluation.evidence import Evidence, Selection
from pipeline.publish.evaluation.measure import Measure, count, share
from pipeline.publish.evaluation.meeting_cells import MeetingCells

JOINT_OTHER = ("monitoring-evaluation", "public-consultation", "staff-development", "other")


def _cells(ev: Evidence) -> MeetingCells:
    """The meetings of the evidence counted per month and agency (meeting_cells.py), once per run."""
    return MeetingCells(ev.agendas_by_month)


def meetings_of(*types: str) -> Callable[[Evidence, Selection], Measure]:
    """The count of held inter-agency meetings of some types organised in scope."""
    return lambda ev, sel: count(ev.derived(_cells).organised_count(sel, "held", types, joint=True))


def outreach(ev: Evidence, sel: Selection) -> Measure:
    """Held outreach (sosialisasi) sessions, with or without other agencies."""
    return count(ev.derived(_cells).organised_count(sel, "held", ("outreach",)))


def held_share(ev: Evidence, sel: Selection) -> Measure:
    """Meetings held among all dated in the period."""
    cells = ev.derived(_cells)
    return share(cells.organised_count(sel, "held"), cells.organised_count(sel))


def with_status(status: str) -> Callable[[Evidence, Selection], Measure]:
    """The count of meetings dated in the period whose latest status is ``status``."""
    return lambda ev, sel: count(ev.derived(_cells).organised_count(sel, status))


def invitations(ev: Evidence, sel: Selection) -> Measure:
    """Invitations of agencies in scope to held meetings."""
    return count(ev.derived(_cells).invitations(sel)[0])


def attendance_rate(ev: Evidence, sel: Selection) -> Measure:
    """Invitations attended, among those to held meetings whose attendance is known."""
    _, known, attended = ev.derived(_cells).invitations(sel)
    return share(attended, known)


def attendance_unknown(ev: Evidence, sel: Selection) -> Measure:
    """Invitations to held meetings whose file did not say who came."""
    invited, known, _ = ev.derived(_cells).invitations(sel)
    return count(invited - known)


def sectors_present(ev: Evidence, sel: Selection) -> Measure:
    """Sectors with at least one agency present at a held meeting, among the sectors of the agencies in scope."""
    sectors = {s for a in sel.agencies if (s := ev.sector_of(a))}
    seen = {s for came in ev.derived(_cells).present_sets(sel) for a in came if (s := ev.sector_of(a)) in sectors}
    return share(len(seen), len(sectors))


def pairs_met(ev: Evidence, sel: Selection) -> Measure:
    """Distinct pairs of agencies in scope both present at a held meeting."""
    return count(len(ev.derived(_cells).pairs(sel)))


def partners_met(ev: Evidence, sel: Selection) -> Measure:
    """Distinct other agencies an agency in scope was present with at a held meeting."""
    return count(len(ev.derived(_cells).partners(sel)))
