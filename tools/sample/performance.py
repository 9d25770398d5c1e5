"""The performance files: volumes with their seasons, timeliness, minutes, complaints and the survey."""

from __future__ import annotations

import random

from pipeline.core.ikm import ELEMENTS
from tools.sample.records import Row
from tools.sample.world import World

PerformanceFiles = dict[tuple[str, str], list[Row]]  # (period, agency) -> one row per service


def volume_factor(world: World, code: str, period: str) -> float:
    """Seasonal factor of a service in a month (the general rhythm times the service's season)."""
    source = world.source.performance
    month = int(period[5:])
    return source.general[month] * source.seasons[source.profiles[code].season].get(month, 1.0)


def survey(world: World, r: random.Random, target_ikm: float) -> list[str]:
    """Nine element means (1–4, 2 decimals) around a target IKM."""
    mean = target_ikm / 25
    offsets = world.source.performance.element_offsets
    values = [min(4.0, max(1.0, mean + off + r.gauss(0, 0.05))) for off in offsets]
    return [f"{v:.2f}" for v in values]


def service_row(world: World, period: str, agency: str, code: str) -> Row:
    """One performance row: volumes, timeliness, minutes, complaints and the survey."""
    source = world.source.performance
    prof, r = source.profiles[code], world.rng("perf", period, code)
    busy = volume_factor(world, code, period)
    trend = 1 + 0.01 * world.periods.index(period)
    share = world.share_of_month(agency, period)
    received = max(1, round(prof.base * busy * trend * share * r.uniform(0.9, 1.1)))
    completed = round(received * r.uniform(0.93, 1.0))
    if r.random() < 0.05:  # backlog from last month cleared: more completed than received
        completed = received + r.randint(1, max(2, received // 20))
    strain = max(0.0, busy - 1.15)
    on_time = min(1.0, max(0.5, prof.on_time - 0.08 * strain + r.gauss(0, 0.015)))
    within = min(completed, round(completed * on_time))
    complaints = sum(1 for _ in range(received) if r.random() < 0.0025 * (1 + strain))
    resolved = complaints - (1 if complaints and r.random() < 0.2 else 0)
    if r.random() < 0.03:
        resolved = complaints + 1  # a complaint from last month closed this month
    row = {
        "period": period,
        "agency_code": agency,
        "service_code": code,
        "applications_received": str(received),
        "applications_completed": str(completed),
        "completed_within_standard": str(within),
        "avg_wait_minutes": (
            "" if prof.wait is None else f"{prof.wait * (0.85 + 0.6 * strain) * r.uniform(0.85, 1.15):.1f}"
        ),
        "avg_service_minutes": f"{prof.service * r.uniform(0.85, 1.15):.1f}",
        "complaints_received": str(complaints),
        "complaints_resolved": str(resolved),
        "notes": source.notes.get((period, code), r.choice(source.random_notes) if r.random() < 0.03 else ""),
    }
    if prof.ikm is None:
        row["survey_respondents"] = "0" if agency in source.zero_survey else ""
        row.update(dict.fromkeys(ELEMENTS, ""))
    else:
        target = prof.ikm + r.gauss(0, 1.4) - 6 * strain
        row["survey_respondents"] = str(max(8, round(completed * r.uniform(0.08, 0.2))))
        row.update(zip(ELEMENTS, survey(world, r, target), strict=True))
    return row


def performance_files(world: World) -> PerformanceFiles:
    """The rows of every performance file an agency owes (none for the early month)."""
    return {
        (period, agency): [service_row(world, period, agency, code) for code in world.services[agency]]
        for agency in world.joined
        for period in world.reporting_periods(agency)
        if period != world.early
    }


def total_received(files: PerformanceFiles, period: str) -> int:
    """Applications received at all counters in a month (for meeting summaries)."""
    return sum(int(row["applications_received"]) for (p, _), rows in files.items() if p == period for row in rows)
