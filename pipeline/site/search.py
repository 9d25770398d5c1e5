"""The search index: Pagefind over the pages marked searchable, written next to them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipeline.errors import SiteError
from pipeline.oserrors import naming


def index_site(root: Path) -> None:
    """Run Pagefind (the pip package's binary) over the built site in ``root``."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(root), "--silent"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SiteError(f"pagefind gagal dijalankan / could not run: {exc}") from None
    entry = root / "pagefind" / "pagefind-entry.json"
    if done.returncode != 0 or not entry.is_file():
        # Pagefind writes into <root>/pagefind; a full disk is the usual cause of a failure here.
        detail = (done.stderr.strip() or done.stdout.strip())[-500:]
        raise SiteError(f"pagefind gagal / failed ({done.returncode}) menulis / writing "
                        f"{root / 'pagefind'}: {detail}")
    _canonical_entry(entry)


def _canonical_entry(path: Path) -> None:
    """Sort the keys of Pagefind's entry file: it lists languages in hash-map order, which varies
    between runs, and the site must be byte-for-byte the same for the same data."""
    entry = json.loads(path.read_text(encoding="utf-8"))
    with naming(path):
        path.write_text(json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
