"""Groups of pages known by the records their inputs are gathered from, so that an unchanged group is
neither gathered nor keyed.

A group's key (``Renderer.group_key``) is written from its inputs, which its family's builder gathers
from the lookup indexes: after one new agency-month most of a city's 240 groups a language are
gathered and written out only to find their key unchanged. An audited family (``pages.SOURCES``:
agendas, decisions, file reports) also gives each of its groups a *source*: the SHA-256 of the texts
(``InputsText.each``: a record as the digest of its ``repr``) of every record its inputs may be
gathered from (a superset, in the data's order, each kind under its own mark) and of the values the
family's inputs take from the whole data (every agency's name, the build date...). A group's inputs,
and so its key, follow from its source and the site code: the kept file maps the SHA-256 of (site
code, "lang:name", source) to the key the group had, so an entry never goes stale whatever build
wrote it and whether that build's site was swapped in (as seriescache.py). When a group's source
gives a key that is the live manifest's, its pages are taken from the live site as an unchanged
group's are (``build._write_item``); any doubt (no entry, another code, a page gone) gathers it.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from pipeline.site.keptpickle import load_plain, save_plain

FILE_NAME = "group-sources.bin"  # under <output>/site-cache/: deleting it costs one slower build
MAGIC = b"mpp-group-sources 1\n"

# ``InputsText.each``: the texts of values, in order (a record of the site data as the digest of its ``repr``).
Texts = Callable[[Sequence[Any]], list[str]]


class Parts:
    """The texts a family's groups are sourced from, by group name, each kind of record under its mark."""

    def __init__(self, family: str, shared: Iterable[str]) -> None:
        """``family``: the groups' names' prefix ("agendas/"); ``shared``: the texts every group of it reads."""
        self.family = family
        self.shared = "\0".join(shared)
        self._kinds: list[tuple[str, dict[str, list[str]]]] = []

    def add(self, kind: str, codes: Iterable[str | None], texts: Iterable[str]) -> None:
        """Each of ``texts`` to the group of its code (one for each, in order; None: no group's)."""
        by: dict[str, list[str]] = {}
        # By runs of one code (the loader sorts its tables agency first: a few runs, not a call a record).
        for code, run in groupby(zip(codes, texts, strict=True), key=itemgetter(0)):
            if code is not None:
                by.setdefault(code, []).extend(map(itemgetter(1), run))
        self._kinds.append((f"@{kind}", by))

    def add_own(self, kind: str, records: Sequence[Any], texts: Texts) -> None:
        """Each of ``records`` (with an ``agency_code``) to its agency's group, by its text (``texts``)."""
        self.add(kind, [r.agency_code for r in records], texts(records))

    def add_each(self, kind: str, codes: Iterable[Iterable[str]], texts: Iterable[str]) -> None:
        """Each of ``texts`` to the group of each of its codes (a record several groups read)."""
        by: dict[str, list[str]] = {}
        for mine, text in zip(codes, texts, strict=True):
            for code in mine:
                by.setdefault(code, []).append(text)
        self._kinds.append((f"@{kind}", by))

    def digests(self) -> dict[str, str]:
        """Group name -> its source: the SHA-256 of the shared texts and of each kind's texts of its code.

        A record's text is "#" and a digest and any other text (a ``repr``) starts with neither "@" nor
        NUL, so a mark cannot be taken for a record: the texts joined tell every source from every other.
        """
        codes = dict.fromkeys(code for _, by in self._kinds for code in by)
        out: dict[str, str] = {}
        for code in codes:
            h = hashlib.sha256(f"{self.family}{code}\0{self.shared}".encode("utf-8", "surrogatepass"))
            for mark, by in self._kinds:
                texts = by.get(code)
                if texts:
                    h.update(("\0" + mark + "\0" + "\0".join(texts)).encode("utf-8", "surrogatepass"))
            out[f"{self.family}{code}"] = h.hexdigest()
        return out


class Sources:
    """The build's groups' sources (``digests``: group name -> source) and the keys kept for them."""

    def __init__(self, digests: dict[str, str], code: str, folder: Path | None) -> None:
        """``folder``: where the kept file is (None: nothing kept, nothing written)."""
        self.digests = digests
        self._code = code
        self._path = folder / FILE_NAME if folder is not None else None
        value = load_plain(self._path, MAGIC) if self._path is not None else None
        ok = isinstance(value, dict) and all(type(k) is str and type(v) is str for k, v in value.items())
        self._kept: dict[str, str] = value if ok and isinstance(value, dict) else {}

    def _slot(self, gid: str, source: str) -> str:
        """The kept file's entry for group ``gid`` ("lang:name") with ``source`` under this code."""
        return hashlib.sha256(f"{self._code}\0{gid}\0{source}".encode("utf-8", "surrogatepass")).hexdigest()

    def key(self, gid: str, source: str) -> str | None:
        """The key group ``gid`` had with ``source`` (None: not known)."""
        return self._kept.get(self._slot(gid, source))

    def save(self, groups: Mapping[str, tuple[str, Any]]) -> None:
        """Keep the key of each sourced group of ``groups`` ("lang:name" -> (key, pages)), when they differ
        from the kept ones (a file that cannot be written only costs the next build its gathering)."""
        if self._path is None:
            return
        made = {}
        for gid, (key, _) in groups.items():
            source = self.digests.get(gid.partition(":")[2])
            if source is not None:
                made[self._slot(gid, source)] = key
        if made != self._kept:
            with contextlib.suppress(OSError):
                save_plain(self._path, MAGIC, made)
