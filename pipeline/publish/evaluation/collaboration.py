"""Collaboration: inter-agency meetings by type and outcome, invitations, attendance, who met whom."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import combinations

from pipeline.core.models import Record
from pipeline.publish.evaluation.evidence import Evidence, Selection, attendees, inter_agency, invited
from pipeline.publish.evaluation.measure import Measure, count, share

JOINT_OTHER = ("monitoring-evaluation", "public-consultation", "staff-development", "other")


def _held_joint(ev: Evidence, sel: Selection, types: tuple[str, ...]) -> int:
    """Held inter-agency meetings of the given types organised in scope."""
    return sum(1 for r in ev.meetings(sel) if r["status"] == "held" and r["type"] in types and inter_agency(r))


def meetings_of(*types: str) -> Callable[[Evidence, Selection], Measure]:
    """The count of held inter-agency meetings of some types."""
    return lambda ev, sel: count(_held_joint(ev, sel, types))


def outreach(ev: Evidence, sel: Selection) -> Measure:
    """Held outreach (sosialisasi) sessions, with or without other agencies."""
    return count(sum(1 for r in ev.meetings(sel) if r["status"] == "held" and r["type"] == "outreach"))


def held_share(ev: Evidence, sel: Selection) -> Measure:
    """Meetings held among all dated in the period."""
    rows = list(ev.meetings(sel))
    return share(sum(1 for r in rows if r["status"] == "held"), len(rows))


def with_status(status: str) -> Callable[[Evidence, Selection], Measure]:
    """The count of meetings dated in the period whose latest status is ``status``."""
    return lambda ev, sel: count(sum(1 for r in ev.meetings(sel) if r["status"] == status))


def _invitations(ev: Evidence, sel: Selection) -> Iterator[tuple[str, Record]]:
    """(invited agency in scope, held meeting) for every invitation to a held meeting in the period."""
    for row in ev.meetings(sel, organised_in_scope=False):
        if row["status"] == "held":
            for agency in sorted(invited(row) & sel.agencies):
                yield agency, row


def invitations(ev: Evidence, sel: Selection) -> Measure:
    """Invitations of agencies in scope to held meetings."""
    return count(sum(1 for _ in _invitations(ev, sel)))


def attendance_rate(ev: Evidence, sel: Selection) -> Measure:
    """Invitations attended, among those to held meetings whose attendance is known."""
    known = [(agency, came) for agency, row in _invitations(ev, sel) if (came := attendees(row)) is not None]
    return share(sum(1 for agency, came in known if agency in came), len(known))


def attendance_unknown(ev: Evidence, sel: Selection) -> Measure:
    """Invitations to held meetings whose file did not say who came."""
    return count(sum(1 for _, row in _invitations(ev, sel) if attendees(row) is None))


def _present(ev: Evidence, sel: Selection) -> Iterator[frozenset[str]]:
    """The agencies present at each held meeting of the period with known attendance."""
    for row in ev.meetings(sel, organised_in_scope=False):
        came = attendees(row) if row["status"] == "held" else None
        if came is not None:
            yield came


def sectors_present(ev: Evidence, sel: Selection) -> Measure:
    """Sectors with at least one agency present at a held meeting, among the sectors of the agencies in scope."""
    sectors = {s for a in sel.agencies if (s := ev.sector_of(a))}
    seen = {s for came in _present(ev, sel) for a in came if (s := ev.sector_of(a)) in sectors}
    return share(len(seen), len(sectors))


def pairs_met(ev: Evidence, sel: Selection) -> Measure:
    """Distinct pairs of agencies in scope both present at a held meeting."""
    pairs = {pair for came in _present(ev, sel) for pair in combinations(sorted(came & sel.agencies), 2)}
    return count(len(pairs))


def partners_met(ev: Evidence, sel: Selection) -> Measure:
    """Distinct other agencies an agency in scope was present with at a held meeting."""
    others = {other for came in _present(ev, sel) if came & sel.agencies for other in came - sel.agencies}
    return count(len(others))
