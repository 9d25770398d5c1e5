"""Operating-system failures (disk full, no permission) told in words, naming the path."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OUTPUT_INTACT = ("Keluaran sebelumnya tetap utuh; jalankan lagi setelah diperbaiki / the previous "
                 "output is left intact; run again once fixed.")
SITE_INTACT = ("Situs sebelumnya tetap utuh; jalankan lagi setelah diperbaiki / the previous site is "
               "left intact; run again once fixed.")
SITE_COMMITTED = ("Situs sedang diganti dan belum lengkap (sebagian halaman sudah baru); jalankan lagi setelah "
                  "diperbaiki untuk menyelesaikannya / the site was being swapped in and is not complete (some "
                  "pages are new already); run again once fixed to complete it.")
RUN_AGAIN = "Jalankan lagi setelah diperbaiki / run again once fixed."


def describe(exc: OSError, outcome: str = RUN_AGAIN) -> str:
    """A clear bilingual message for a failure of the machine: what, where, and what state remains."""
    where = exc.filename if exc.filename is not None else "?"
    if exc.filename2 is not None:
        where = f"{where} -> {exc.filename2}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what = "disk penuh / disk full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "tidak ada izin menulis / no permission to write"
    else:
        what = exc.strerror or str(exc)
    return f"{what}: {where}. {outcome}"


@contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """Give an OSError raised without a file name the name of ``path``.

    A write that hits a full disk fails in ``write()``/``fsync()``, where Python knows no
    file name; the data officer must still learn which file or folder could not be written.
    """
    try:
        yield
    except OSError as exc:
        if exc.filename is not None:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
