"""The search index: Pagefind over the pages marked searchable, written next to them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.errors import SiteError


def index_site(root: Path) -> None:
    """Run Pagefind (the pip package's binary) over the built site in ``root``."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(root), "--silent"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SiteError(f"pagefind gagal dijalankan / could not run: {exc}") from None
    if done.returncode != 0:
        raise SiteError(f"pagefind gagal / failed ({done.returncode}): {done.stderr.strip()[-500:]}")
