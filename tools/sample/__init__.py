"""The synthetic sample of ``datasets/``: every submission, history file and the intake log, deterministically.

Run from the repository root: ``make sample`` (or ``.venv/bin/python -m tools.sample``).

The data tables (months, holidays, services' behaviour, meetings, decisions, places, phrases,
missing, late and mistaken files) are in ``tools/sample/source/``; the agencies and services
come from ``datasets/reference/``, the organiser, deadline day and time zone from
``datasets/portal.toml``. Every random choice comes from ``random.Random`` seeded with a
fixed text and the names of what it decides, so the same sources always give the same
bytes. All data is invented: no personal names (only roles), no identity numbers, no phone
numbers.

    cli          the command: read the settings and sources, build, write, summarise
    source       the data tables, read into typed records
    world        months, workdays, who had a counter in the mall on a day, the seeded draws
    performance  the performance rows of every agency and month
    records      agendas and decisions with the row they report each month
    organiser    the organiser's meetings; meetings: the other agencies' meetings
    decisions    decisions and how their status moves
    clerk_errors the mistakes put into files on purpose
    intake       which files arrive, with which rows and mistakes, and when
    files        a file's bytes (CSV dialects, XLSX)
    generate     the whole sample in memory, and writing it
    summary      the report printed at the end
"""
