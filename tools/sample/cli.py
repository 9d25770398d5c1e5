"""``python -m tools.sample [--datasets PATH] [--out PATH]``: regenerate the sample and summarise it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.core.config import load_portal
from pipeline.core.errors import ConfigError, PipelineError
from pipeline.runner.exitcodes import EXIT_OK, exit_code_for
from pipeline.validate.reference import load_reference
from tools.sample.generate import build, write
from tools.sample.source import SOURCE, SourceError, load_source
from tools.sample.summary import summary
from tools.sample.world import World

ROOT = Path(__file__).resolve().parents[2]


def load_world(datasets: Path, source: Path) -> World:
    """The data tables with the portal's settings and the checked reference tables of ``datasets``."""
    portal = load_portal(datasets, datasets.parent / "output")
    reference = load_reference(portal)
    joined = {}
    for code, agency in reference.agencies.items():
        if agency.joined_on is None:
            raise SourceError(f"reference/agencies.csv: {code} has no joined_on; the sample needs it")
        joined[code] = agency.joined_on
    services = {code: tuple(reference.services_of(code)) for code in joined}
    world = World(load_source(portal.organizer, source), portal.organizer, portal.deadline_day, portal.tz,
                  joined, services)
    problems = world.problems()
    if problems:
        raise ConfigError(problems)
    return world


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command's options."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.sample",
        description="Tulis ulang data sampel sintetis / rewrite the synthetic sample: "
                    "submissions/, history/ and receipts.csv.",
    )
    parser.add_argument("--datasets", type=Path, default=ROOT / "datasets",
                        help="portal.toml, schemas/ and reference/ are read here (default: datasets/)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder whose submissions/, history/ and receipts.csv are replaced "
                             "(default: the datasets folder)")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the data tables (default: tools/sample/source/)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the sample from the sources and write it; a broken source is exit code 2."""
    args = parse(argv)
    out = args.out or args.datasets
    try:
        world = load_world(args.datasets, args.source)
        sample = build(world)
        out.mkdir(parents=True, exist_ok=True)
        write(sample, out)
    except (PipelineError, OSError) as exc:
        print(f"GAGAL / FAILED: sampel tidak ditulis / the sample was not written:\n{exc}", file=sys.stderr)
        return exit_code_for(exc)
    if not args.quiet:
        print(summary(world, sample))
    return EXIT_OK
