"""The stages as the commands call them: each does its work and fills its part of the run record.

Stages are imported when first called, so that ``validate`` never loads the site or the push.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline.core import heap, timeline
from pipeline.core.config import Portal, load_portal
from pipeline.core.errors import PipelineError, PushError
from pipeline.core.models import FileReport
from pipeline.runner import sitestamp
from pipeline.runner.ahead import Ahead, load_site_code, warm_store
from pipeline.runner.early_site import EarlySite, first_build, read_first
from pipeline.runner.exitcodes import EXIT_FAILED, EXIT_OK
from pipeline.runner.isolate import Child, Then, start
from pipeline.runner.runlog import RunRecord

if TYPE_CHECKING:
    from pipeline.site.readahead import ReadAhead

# A later publish's command process reads the site check's digests ahead while the data stage works (digestahead.py).
DIGESTS_FIRST = True


def load(datasets: Path, output: Path, record: RunRecord | None = None) -> Portal:
    """Load portal.toml and show its warnings on stderr (they never change the exit code)."""
    portal = load_portal(datasets, output)
    if record is not None:
        record.tz = portal.tz
    for warning in portal.warnings:
        click.echo(f"PERINGATAN / WARNING: {warning}", err=True)
    return portal


def as_of_date(value: datetime | None, portal: Portal) -> date:
    """The --as-of date, or today in the portal's time zone."""
    return value.date() if value is not None else portal.today()


def validate(portal: Portal, as_json: bool) -> int:
    """Judge every submitted file and print the summary (or the JSON reports); 0 when all are accepted."""
    from pipeline.store import previous_agenda_lookup
    from pipeline.validate import ValidationCache, validate_datasets
    from pipeline.validate.report_text import summary_text

    # Agendas accepted in earlier runs and the judgements publish kept (both read-only;
    # validate writes nothing).
    previous = previous_agenda_lookup(portal.output)
    cache = ValidationCache.for_portal(portal) if previous is not None else None
    reports = validate_datasets(portal, previous, cache)
    if as_json:
        click.echo(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
    else:
        click.echo(summary_text(reports))
        for line in _needs_action(portal, reports):
            click.echo(line)
    # A missing file leaves the code at 0: a late agency is the normal state of the month,
    # and a cron job must not fail every month for it; the summary names the agency instead.
    return EXIT_OK if all(r.accepted for r in reports) else EXIT_FAILED


def _needs_action(portal: Portal, reports: list[FileReport]) -> list[str]:
    """The summary's lines naming agencies with rejected, misplaced or missing files (last closed month)."""
    from pipeline.core import periods
    from pipeline.core.needs_action import missing_files, needs_action_lines
    from pipeline.core.obligations import collection_start
    from pipeline.validate import load_reference

    period = periods.last_closed(portal.today(), portal.deadline_day)
    first = collection_start(portal.start_period, min((r.period for r in reports if r.period), default=None))
    received = {(r.agency, r.table) for r in reports if r.period == period and r.agency and r.table}
    missing = missing_files(load_reference(portal).agencies.values(), first, period, received)
    return needs_action_lines(reports, missing, period)


def publish(portal: Portal, day: date, now: datetime | None, record: RunRecord, site: bool = False,
            written: dict[str, list[Any]] | None = None) -> bool:
    """Validate, store and publish the data, in a child process (isolate.py); ``now`` (portal time) fixes the clock.

    True when the publish record changed (a publish ran and its outputs or inputs differ). ``site``: the site
    stage follows; its code is then loaded here once the data stage's child found work (ahead.py), and its child
    is started at that stage's commit, reads what the build reads first and waits for ``build``; at a first
    publish that child compiles the templates instead (early_site.py).
    ``written``: filled with the digests of the data files the child wrote (``PublishResult.written``), for
    the site stage's check (``build``). With a site child waiting, the data stage's child answers once the
    published folders and the store are in place, and saves its own records while the site builds (``SAVE_AFTER``):
    whether the publish record changed is then known only once it ended, and ``build`` is told so (True here).
    """
    kept = portal.output / "store" / "publish-inputs.json"
    before = _read_or_none(kept)
    # A first publish is told only at the data stage's commit, past its memory peak (ahead.py).
    first = not warm_store(portal.output)
    ahead = Ahead(at_commit=first, commit_too=not first) if site else None
    child = start("publish", lambda: _publish(portal, day, now, ahead))
    early: EarlySite[tuple[int | str, list[str]]] | None = None
    try:
        try:
            # The site stamp checked on this core while the child checks the inputs on the other: kept for
            # ``build`` only when the child finds nothing new, as it then writes nothing.
            stamp = _stamp_meanwhile(portal, day) if ahead is not None and not ahead.at_commit else None
            work = ahead is not None and ahead.heard()
            if ahead is not None and work:
                if ahead.at_commit:  # a first publish: the site child started now (early_site.py)
                    early = EarlySite(first_build(portal, lambda offered: _build(portal, day, offered)))
                else:
                    with timeline.span("imports: site"):
                        load_site_code()
                    # Meanwhile, on this otherwise idle core: the kept digests of the site's check, the walk of its
                    # trees and the files whose kept digest no longer holds, read until the commit (digestahead.py).
                    with timeline.span("site check: digests read ahead"):
                        read = _digests_first(portal, ahead.commit_came)
                    # At the data stage's commit, past its memory peak: the site child started now reads ahead,
                    # on the other core, while the data stage swaps and saves (early_site.py).
                    if ahead.heard_commit():
                        early = EarlySite(read_first(portal,
                                                     lambda offered, ready: _build(portal, day, offered, ready), read))
        finally:
            # With a site child waiting for the word, the data stage's child is reaped once the word is given
            # (``build``): its exit, giving back its heap, is not waited for before.
            record.accepted, record.rejected, record.tables_changed, found = child.result(reap=early is None)
    except BaseException:
        if early is not None:
            early.cancel()  # it wrote nothing: the output stays as the data stage left it
        with contextlib.suppress(PipelineError):  # (what failed first is told)
            child.reap()
        raise
    if early is not None:
        _early[portal.output] = early
        _answered[portal.output] = (child, kept, before)
    if stamp is not None and not work:
        _stamped[portal.output] = stamp
    if written is not None:
        written.update(found)
    return True if child.finishing else _read_or_none(kept) != before


# The site child a publish step started, by output folder, for the build step that follows (``build``).
_early: dict[Path, EarlySite[tuple[int | str, list[str]]]] = {}
# The data stage's child of that publish step, answered and not yet reaped (``build`` reaps it), with the path of
# the publish record and its bytes before (None: absent), compared once it ended (its records saved after its answer).
_answered: dict[Path, tuple[Child[Any], Path, bytes | None]] = {}
# A later publish's data stage answers the site child's word before saving its own records (its caches and the
# publish record, ``publish_data``'s ``later``), which it saves while the site builds (off: saved before the word).
SAVE_AFTER = True
SAVE_NICE = 10  # how much lower the data stage's child runs once it answered (its saves wait for no one)
# ``sitestamp.current`` as a publish step that found nothing new took it while its child checked, by output
# folder, for the build step that follows (``build``).
_stamped: dict[Path, tuple[dict[str, Any] | None]] = {}


def _digests_first(portal: Portal, stop: Callable[[], bool]) -> ReadAhead | None:
    """``readahead.digests_first`` of the output (None when ``DIGESTS_FIRST`` is off or it failed: the site
    child reads it all)."""
    if not DIGESTS_FIRST:
        return None
    from pipeline.site.build import TEMPLATES
    from pipeline.site.readahead import digests_first

    try:
        first = digests_first(portal.output, TEMPLATES, stop)
    except (OSError, PipelineError):
        return None
    gc.freeze()  # read-only from here: the site child's collector leaves the pages it shares with this process alone
    return first


def _stamp_meanwhile(portal: Portal, day: date) -> tuple[dict[str, Any] | None] | None:
    """``sitestamp.current`` in a tuple, taken while the data stage's child may write: None when a file went
    meanwhile (the build step then takes it again)."""
    try:
        return (sitestamp.current(portal, day),)
    except (OSError, PipelineError):
        return None


def _read_or_none(path: Path) -> bytes | None:
    """A file's bytes, or None when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError:
        return None


Answer = tuple[int, int, list[str], dict[str, list[Any]]]  # the data stage's child's answer (``_publish``)


def _publish(portal: Portal, day: date, now: datetime | None, ahead: Ahead | None = None) -> Answer | Then[Answer]:
    """The data stage itself: files accepted and rejected, tables changed, the digests of the data files it
    wrote (``ahead``: told whether there is work). A later publish with its site (``ahead`` told at the commit too,
    ``SAVE_AFTER``) answers that at once and saves the stage's own records after (``Then``): the site child's word
    waits only for what the site reads (a first publish's data child, the run's memory peak, ends at once instead)."""
    from pipeline.publish.result import nothing_new, show
    from pipeline.publish.unchanged import check

    try:
        with timeline.span("check: inputs and outputs"):
            checked = check(portal, day)  # before the stages' code is even imported: nothing new needs none of it
    except BaseException:
        if ahead is not None:
            ahead.close()  # closed on every path: the command's process waits for this notice
        raise
    if ahead is not None and not ahead.at_commit:
        ahead.tell(checked.last is None)
    if checked.last is not None:
        skipped = nothing_new(checked.last, portal.output)
        show(skipped)
        return skipped.accepted, skipped.rejected, [], {}
    without_numpy()
    with timeline.span("imports: data stage"):
        from pipeline.publish import publish_data
        from pipeline.validate import validate_datasets  # noqa: F401 - imported here to be timed, not by publish_data

    later: list[Callable[[], None]] | None = [] if SAVE_AFTER and ahead is not None and not ahead.at_commit else None
    try:
        result = publish_data(portal, day, now.replace(tzinfo=portal.tz) if now else None, skip_unchanged=True,
                              checked=checked, at_commit=ahead.told_at_commit() if ahead is not None else None,
                              later=later)
    finally:
        if ahead is not None:
            ahead.close()  # (told already on success) closed before the answer is sent, whatever happened
    answer = result.accepted, result.rejected, list(result.tables_changed), result.written
    if not later:
        return answer

    def save() -> None:
        """The stage's own records saved (``publish_data``'s ``later``), after the answer: at a lower priority, as
        the site child, now building on the same two cores, is the run's longest path."""
        with contextlib.suppress(OSError):
            os.nice(SAVE_NICE)
        # The tables and data files' memory, freed once the stage returned, given back before the site child reads
        # its data beside this process: after a new month at the bench city this child's PSS went 510 -> 353 MB, and
        # the run's peak 878-907 -> 785-811 MB side by side (0.2 s of this child's CPU, at its lower priority).
        heap.give_back()
        for saving in later:
            saving()
    return Then(answer, save)


def without_numpy() -> None:
    """Keep numpy out of this process (the data stage's child) unless it is loaded already.

    openpyxl, which the data files and the templates import, loads numpy only to count numpy's scalars as numbers;
    the data stage never writes one, and loading numpy took about a tenth of a second of every publish with work
    (a fifth of openpyxl's import). Only this child goes without it: the site stage (search_index.py) runs in
    another child of the command's process, which loads it as before.
    """
    sys.modules.setdefault("numpy", None)  # type: ignore[arg-type]  # its import then raises ImportError (expected)


def build(portal: Portal, day: date, record: RunRecord, skip: bool = False, published: bool | None = None,
          written: dict[str, list[Any]] | None = None) -> None:
    """Build the public site in a child process (isolate.py), or record that it was skipped.

    ``published`` (the publish command: whether its publish step changed the publish record)
    allows the stamp (sitestamp.py) to skip the stage without starting it. ``written``: the digests of
    the data files that step wrote (``publish``), which the site's check does not read again.
    """
    early = _early.pop(portal.output, None)  # the publish step's site child, waiting for the word (``publish``)
    stamped = _stamped.pop(portal.output, None)  # the stamp as the publish step found it, nothing new (``publish``)
    # The publish step's data child, reaped once the word is given (it may still be saving its records, ``publish``).
    answered, kept, before = _answered.pop(portal.output, (None, None, None))
    if skip:
        if early is not None:
            early.cancel()
        if answered is not None:
            answered.reap()
        record.pages = "skipped"
        return
    # The stamp is not asked while that child may still write the publish record it names: the site child, started
    # already, makes its own check then.
    finishing = answered is not None and answered.finishing
    if published is not None and not finishing:
        site = stamped[0] if stamped is not None and not published else sitestamp.current(portal, day)
        if site is not None:  # the same line as the site stage's own skip
            if early is not None:
                early.cancel()
            if answered is not None:
                answered.reap()
            click.echo(f"Situs / site: tidak ada masukan yang berubah, pembangunan dilewati / no input changed, "
                       f"build skipped ({int(site.get('pages', 0))} halaman / pages) -> {portal.output / 'site'}")
            record.pages = "skipped"
            return
    if early is None and answered is None:
        # No other process of this run writes there now (a ``build`` command, or a publish step that ended): the
        # temporary files a killed build left in the site's cache removed, as a publish's start does (``recover``).
        from pipeline.publish.unchanged import remove_site_cache_temps

        remove_site_cache_temps(portal.output)
    child = early.go(written or {}) if early is not None else start("site", lambda: _build(portal, day, written))
    # The data child's failure to save its records (a machine's, or a bug), raised once the site child is done.
    saving: Exception | None = None
    settler = None
    try:
        try:
            # The stat of the store's reports for the stamp, taken on this core while the child builds the site
            # (which only reads them), instead of after the build on the critical path; and before the data child
            # is reaped: the store's reports and index are final since its word (what it saves after the word, its
            # judgements, memo, indexes and publish record, is none of them), and it saves at a low priority,
            # so that waiting for it first put this walk later, beside the site's busiest stretch.
            walked: dict[str, Any] = {}  # the listings of the reports' folders, kept with the stamp
            reports = sitestamp.reports_digest(portal, walked)
        finally:
            if answered is not None:
                try:
                    answered.reap()  # ended meanwhile, or ends (its records saved) while the site child builds
                except Exception as exc:  # noqa: BLE001 - raised below, after the site child's result
                    saving = exc
                if finishing:
                    published = saving is None and kept is not None and _read_or_none(kept) != before
            try:
                # The feedback keys of agencies whose reports the publish step wrote too late for its record,
                # recorded on a thread once the reports last, while the child builds the site
                # (``feedback_pending.settle_later``); after the reaping: the data child saves what it reads.
                if published:
                    from pipeline.publish.feedback_pending import Settler

                    settler = Settler(portal.output / "store")
            finally:
                pages, libraries = child.result()
        if saving is not None:
            raise saving  # the site built from the published data; the next run does more work (``SAVES_LOST``)
    except BaseException:
        if settler is not None:
            settler.stop()
        raise
    if published and written:
        # The data files written last by the publish step last by now: their stats kept, so that the next run
        # does not hash them again (``row_reuse.settle_stats``).
        from pipeline.publish.row_reuse import settle_stats

        settle_stats(portal.output / "store", portal.output / "data", written)
    if settler is not None:
        settler.finish()  # (those the thread did not record: their reports lasted only now, or it was not done)
    # A command that skipped everything writes nothing: the stamp only after a publish or a build that ran.
    # A build command stamps too: the stamp is only trusted after a later publish step found that
    # its record still describes the present, and the site was then built from that present.
    if published or pages != "skipped":
        sitestamp.write(portal, day, libraries, (), reports, walked)
    record.pages = pages


def _build(portal: Portal, day: date, written: dict[str, list[Any]] | None = None,
           ahead: ReadAhead | None = None) -> tuple[int | str, list[str]]:
    """The site build itself: its page count, or "skipped"; and the libraries the stamp names (``ahead``: what
    the site child read while the data stage worked, early_site.py)."""
    from pipeline.core.templating import SITE_TEMPLATES
    from pipeline.site import build_site
    from pipeline.site.fingerprint import LIBRARIES, remember_digests

    built = build_site(portal, day, written=written, ahead=ahead, remember=True)
    if not built.skipped and not built.remembered:  # (else kept by the build, beside its swap)
        remember_digests(portal, SITE_TEMPLATES)  # after the swap, while this run holds the lock
    return "skipped" if built.skipped else built.pages, list(LIBRARIES)


def push(portal: Portal, dry_run: bool, record: RunRecord, skip: bool = False) -> None:
    """Push to CKAN, or say in one line why and how it was skipped."""
    if skip:
        record.push = "skipped"
        return
    if not portal.ckan.url:
        record.push = "skipped"
        click.echo(
            "CKAN: tidak dikonfigurasi, pengiriman dilewati / not configured, push skipped "
            "(set CKAN_URL and CKAN_API_TOKEN, or [ckan] url in portal.toml)"
        )
        return
    from pipeline.ckan import push_portal

    try:
        plan = push_portal(portal, dry_run=dry_run)
    except PushError as exc:
        record.push = {"failed": str(exc)}
        raise
    record.push = {"dry_run": dry_run, "write_calls": plan.write_calls(), **plan.counts()}


def receive(portal: Portal, file: Path, agency: str, period: str, table: str | None,
            received_at: datetime | None) -> None:
    """Copy a file that arrived another way into submissions/, log its receipt, and print its verdict."""
    from pipeline.intake.receive import receive_file

    click.echo(receive_file(portal, file, agency, period, table, received_at))


def status(portal: Portal, period: str | None, day: date) -> None:
    """Print the monthly checklist of ``period`` (default: the last month that has ended)."""
    from pipeline.core import periods
    from pipeline.intake.checklist import checklist
    from pipeline.intake.status_text import checklist_text

    chosen = period or periods.last_ended(day)
    click.echo(checklist_text(checklist(portal, chosen, day), str(portal.output / "feedback")))


def remind(portal: Portal, day: date, dry_run: bool) -> None:
    """Send the reminders due today (each once); names agencies, never addresses."""
    from pipeline.intake.checklist import checklist
    from pipeline.intake.contacts import load_contacts
    from pipeline.intake.db import connect
    from pipeline.intake.reminders import period_for, plan, send
    from pipeline.validate import load_reference

    contacts = load_contacts(portal, set(load_reference(portal).agencies))
    if not contacts:
        click.echo("Pengingat: reference/contacts.csv tidak ada, tidak ada surel / Reminders: no "
                   "reference/contacts.csv, no e-mail")
        return
    if not portal.smtp.host and not dry_run:
        click.echo("Pengingat: [smtp] host belum diisi, tidak ada surel / Reminders: [smtp] host not set, no e-mail")
        return
    messages = plan(portal, checklist(portal, period_for(day), day), contacts, day)
    conn = connect(portal.output)
    try:
        done = send(portal, conn, messages, datetime.now(portal.tz).isoformat(timespec="seconds"), dry_run)
    finally:
        conn.close()
    verb = "akan dikirim / would be sent" if dry_run else "terkirim / sent"
    click.echo(f"Pengingat / Reminders: {len(done)} {verb}")
    for m in done:
        click.echo(f"  {m.key.split(':')[0]:<9} {m.agency or '(petugas data / data officer)'}")
