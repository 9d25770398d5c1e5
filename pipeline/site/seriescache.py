"""The whole mall's monthly totals (``Lookup.mall_series``) kept between builds, each month's under
the digests of its rows, so that a build sums only the months whose rows changed (a new agency-month
or a late file changes one month of sixty: summing every month took 0.2 s of the build's serial part).

A month's key is the SHA-256 of the site code and the texts ``InputsText`` writes for its rows in
the order ``stats.monthly`` sums them (with digests: each row's ``repr``, which is complete, as its
SHA-256): its totals follow from the key alone, so a kept month is used only under its key and never
goes stale, whatever build wrote it and whether that build's site was swapped in. The file is checked
whole (keptpickle.py): anything else counts as nothing kept, and every month is summed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from pipeline.site.keptpickle import load_plain, save_plain
from pipeline.site.models import Perf
from pipeline.site.stats import Totals, totals

FILE_NAME = "mall-series.bin"  # under <output>/site-cache/: deleting it costs one slower build
MAGIC = b"mpp-mall-series 1\n"
_FIELDS = tuple(f.name for f in dataclasses.fields(Totals))
# The type each field of a kept month may have (``Totals``'): a kept file of another shape counts as nothing kept.
_TYPES: tuple[tuple[type, ...], ...] = tuple(
    {"period": (str,), "ikm": (float, type(None)), "grade": (str, type(None)), "avg_wait": (float, type(None))}
    .get(name, (int,)) for name in _FIELDS)


def mall_series(rows: Sequence[Perf], texts: Callable[[Sequence[Perf]], list[str]], folder: Path | None,
                code: str) -> tuple[Totals, ...]:
    """``stats.monthly(rows)`` as a tuple, each month whose rows' ``texts`` (one text a row, in order) the
    kept file of ``folder`` holds under ``code`` taken from it; the file is written again when it would
    hold other months (None: nothing kept, nothing written)."""
    path = folder / FILE_NAME if folder is not None else None
    kept = _loaded(path)
    made: dict[str, tuple[Any, ...]] = {}
    series: list[Totals] = []
    for period, group in groupby(sorted(rows, key=_period), key=_period):  # as ``stats.monthly`` groups them
        month = list(group)
        h = hashlib.sha256(f"{code}\0{period}\0".encode("utf-8", "surrogatepass"))
        h.update("\0".join(texts(month)).encode("utf-8", "surrogatepass"))
        key = h.hexdigest()
        values = kept.get(key)
        if values is not None and values[0] == period:
            total = Totals(*values)
        else:
            total = totals(period, month)
            values = tuple(getattr(total, name) for name in _FIELDS)
        made[key] = values
        series.append(total)
    if path is not None and made != kept:
        with contextlib.suppress(OSError):  # a copy that cannot be kept only makes the next build sum every month
            save_plain(path, MAGIC, made)
    return tuple(series)


def _period(row: Perf) -> str:
    """A row's month (the key ``stats.monthly`` sorts and groups by)."""
    return row.period


def _loaded(path: Path | None) -> dict[str, tuple[Any, ...]]:
    """The kept months by key (none when the file is absent, damaged or of another shape)."""
    value = load_plain(path, MAGIC) if path is not None else None
    if not isinstance(value, dict):
        return {}
    good = {key: values for key, values in value.items()
            if type(key) is str and type(values) is tuple and len(values) == len(_FIELDS)
            and all(isinstance(v, t) and type(v) is not bool for v, t in zip(values, _TYPES, strict=True))}
    return good if len(good) == len(value) else {}
