"""The exit code of every command, and the one mapping from a failure to its code."""

from __future__ import annotations

from pipeline.core.errors import BusyError, ConfigError, PipelineError

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_BUSY, EXIT_INTERNAL = 0, 1, 2, 3, 4
# Most specific first; anything else that escapes a command is a bug (EXIT_INTERNAL).
_EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (ConfigError, EXIT_CONFIG),
    (BusyError, EXIT_BUSY),
    (PipelineError, EXIT_FAILED),
    (OSError, EXIT_FAILED),  # a failure of the machine that a stage did not word itself
)
EXIT_CODES_HELP = """\b
Kode keluar / exit codes:
  0  berhasil (validate: semua berkas diterima) / success (validate: every file accepted)
  1  validate: ada berkas ditolak; atau kegagalan mesin (CKAN mati, disk penuh)
     / validate: a file was rejected; or a failure of the machine (CKAN down, disk full)
  2  konfigurasi rusak (portal.toml, skema, tabel referensi) / configuration broken
  3  proses lain sedang berjalan pada folder keluaran yang sama; coba lagi nanti
     / another run is in progress on the same output folder; try again later
  4  kesalahan internal: bug pada pipeline, bukan pada data; laporkan
     / internal error: a bug in the pipeline, not in the data; report it"""


def exit_code_for(exc: BaseException) -> int:
    """The exit code of a failure (see EXIT_CODES_HELP)."""
    return next((code for kind, code in _EXIT_CODES if isinstance(exc, kind)), EXIT_INTERNAL)
