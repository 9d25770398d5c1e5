"""The monthly checklist as terminal text (``python -m pipeline status``), Indonesian first."""

from __future__ import annotations

from datetime import datetime

from pipeline.intake.checklist import MISSING, Checklist, Item

_TIMELY = {True: "tepat waktu / on time", False: "TERLAMBAT / LATE", None: "waktu belum tercatat / time not logged"}
_REASON = {"rejected": "ditolak / rejected", "missing": "belum dikirim / not received"}
_STATUS = {"accepted": "diterima / accepted", "rejected": "DITOLAK / REJECTED", "missing": "BELUM / MISSING"}


def _item(item: Item) -> str:
    """One table's state in a few words."""
    text = _STATUS[item.status]
    if item.status != MISSING:
        when = datetime.fromisoformat(item.received_at).strftime("%Y-%m-%d %H:%M") if item.received_at else "?"
        text += f", {when}, {_TIMELY[item.on_time]}"
        if item.revision is None:
            text += ", belum diterbitkan / not yet published"
    return text


def checklist_text(check: Checklist, feedback_root: str) -> str:
    """Deadline and days left, each agency's three tables, then whom to chase."""
    days = check.days_left
    left = (f"{days} hari lagi / {days} days left" if days > 0 else
            "hari ini / today" if days == 0 else f"lewat {-days} hari / {-days} days past")
    lines = [f"Daftar periksa / Checklist {check.period}",
             f"Batas waktu / Deadline: {check.deadline.isoformat()} ({left})", ""]
    for agency in check.agencies:
        owed = "" if agency.owes else "  (belum wajib / not owed)"
        lines.append(f"{agency.agency}  {agency.name}{owed}")
        for item in agency.items:
            link = f"  -> {feedback_root}/{item.feedback}" if item.status == "rejected" and item.feedback else ""
            lines.append(f"  {item.table:<12} {_item(item)}{link}")
        for path in agency.layout:
            lines.append(f"  SALAH TEMPAT / MISPLACED  {path}")
    chase = check.chase
    lines += ["", f"Perlu dihubungi / To chase: {len(chase)}"]
    for agency in chase:
        reasons = [f"{i.table} {_REASON[i.status]}" for i in agency.items
                   if i.status == "rejected" or (i.status == "missing" and agency.owes)]
        reasons += [f"{i.table} terlambat / late" for i in agency.items
                    if i.status == "accepted" and i.on_time is False]
        if agency.layout:
            reasons.append(f"{len(agency.layout)} berkas salah tempat / misplaced")
        lines.append(f"  {agency.agency}: {', '.join(reasons)}")
    return "\n".join(lines)
