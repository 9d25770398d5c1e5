"""The size and identity of a generated mall: how many agencies, services and months, and which city.

``BENCH_SCALE`` (or ``--scale``) picks a preset: ``city`` is the large city of the benchmark,
``town`` a small one that ``make test`` runs through the same code in seconds, ``second`` the
other mall of the harvest test. ``AxSxM`` (e.g. ``12x4x6``) sets agencies, services per
agency and months directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.core import periods


@dataclass(frozen=True)
class Shape:
    """What to generate: the mall's identity, its size, the share of files with a clerk's mistake."""

    agencies: int
    services: int
    months: int
    last_period: str = "2026-10"
    error_rate: float = 0.03
    seed: str = "bench-1"
    city: str = "Kota Rimba Raya"
    slug: str = "rimbaraya"  # the mall's web address: data.mpp.<slug>.go.id

    @property
    def periods(self) -> list[str]:
        """The months every agency reports for, oldest first."""
        return periods.span(periods.shift(self.last_period, 1 - self.months), self.last_period)

    @property
    def files(self) -> int:
        """How many files the generated mall holds once every agency-month has arrived."""
        return self.agencies * self.months * 3


PRESETS = {
    # The large city of issue 12: 60 agencies of all sectors, 8 services each, five years.
    "city": Shape(agencies=60, services=8, months=60),
    # A small mall for the tests: every step of the benchmark in seconds.
    "town": Shape(agencies=6, services=3, months=4, error_rate=0.15, city="Kota Rimba Kecil", slug="rimbakecil",
                  seed="town-1"),
    # The second mall of the harvest test, beside the sample's Kota Jambi.
    "second": Shape(agencies=5, services=2, months=3, city="Kota Sungai Tenang", slug="sungaitenang",
                    seed="second-1"),
}
_SIZE = re.compile(r"^(\d+)x(\d+)x(\d+)$")


def shape_for(scale: str) -> Shape:
    """The preset named ``scale``, or agencies x services x months; ValueError for anything else."""
    if scale in PRESETS:
        return PRESETS[scale]
    match = _SIZE.match(scale)
    if not match:
        raise ValueError(f"unknown scale {scale!r}: use one of {', '.join(PRESETS)} or AxSxM such as 12x4x6")
    agencies, services, months = (int(g) for g in match.groups())
    if agencies < 2 or services < 1 or months < 2:
        raise ValueError(f"scale {scale!r}: at least 2 agencies, 1 service and 2 months")
    return replace(PRESETS["town"], agencies=agencies, services=services, months=months,
                   seed=f"size-{agencies}x{services}x{months}")
