"""Put files into the staging folder: each path once, copies included, nothing outside the root."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from pipeline.core.errors import SiteError
from pipeline.core.oserrors import naming


class Writer:
    """Writes the site's files under ``root`` and refuses to write any path twice."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: set[str] = set()

    def _target(self, rel: str) -> Path:
        """The file for a site-relative path, refusing duplicates and escapes from the root."""
        clean = PurePosixPath(rel.lstrip("/"))
        if not clean.parts or ".." in clean.parts:
            raise SiteError(f"jalur tidak sah / invalid path: {rel!r}")
        key = clean.as_posix()
        if key in self.written:
            raise SiteError(f"jalur ditulis dua kali / path written twice: /{key}")
        self.written.add(key)
        return self.root / key

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write one file (the whole folder is swapped in atomically later); an OSError names it."""
        path = self._target(rel)
        with naming(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def write_text(self, rel: str, text: str) -> None:
        """Write UTF-8 text with LF line endings as given."""
        self.write_bytes(rel, text.encode("utf-8"))

    def copy_tree(self, source: Path, prefix: str, suffixes: tuple[str, ...] | None = None) -> int:
        """Copy every file under ``source`` to ``prefix``; returns how many were copied."""
        if not source.is_dir():
            return 0
        count = 0
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            if path.name.startswith(".") or (suffixes and path.suffix.lower() not in suffixes):
                continue
            self.write_bytes(f"{prefix.rstrip('/')}/{path.relative_to(source).as_posix()}", path.read_bytes())
            count += 1
        return count
