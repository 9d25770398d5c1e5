"""A later publish's site child takes the store's index it read ahead (``ReadAhead.renew``: read again once the data
stage's commit replaced it), not a reading of its own after the word; the site is the one a build without it makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.templating import SITE_TEMPLATES
from pipeline.site.readahead import read_ahead
from pipeline.store import Store
from tests.run_support import publish_cmd, run, small_datasets
from tests.test_early_site import NOT_AHEAD, NOW, _patched, _published_twice, _same_output

# Records, in the site child, whether the build took the store's index read ahead or read it itself.
TAKEN = ("import pipeline.site.readahead as r\n"
         "_store = r.ReadAhead.store\n"
         "def store(self, root):\n"
         "    taken = self.take((root / r.STORE_INDEX,))\n"
         "    open({into!r}, 'w').write('taken' if taken is not None and taken[0] is not None else 'read')\n"
         "    if taken is not None:\n"
         "        self._read[(root / r.STORE_INDEX,)] = (r._stats((root / r.STORE_INDEX,)), taken[0])\n"
         "    return _store(self, root)\n"
         "r.ReadAhead.store = store\n")


def test_a_later_publish_s_build_takes_the_store_s_index_read_ahead(tmp_path: Path) -> None:
    ds, (ahead, late) = _published_twice(tmp_path, "ahead", "late")
    note = tmp_path / "store-note"
    done = _patched(ds, ahead, TAKEN.format(into=str(note)))
    assert done.returncode == 0, done.stderr
    assert note.read_text() == "taken"
    plain = _patched(ds, late, NOT_AHEAD)
    assert plain.returncode == 0, plain.stderr
    _same_output(ahead, late)


def test_the_store_s_index_is_read_ahead_even_when_the_word_came_first(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # A small mall's word can come before the read-ahead reaches the store's index: the fresh clone's make test once
    # saw the build read it itself. Read there all the same, the build always takes it (never read twice).
    ds = small_datasets(tmp_path)
    out = tmp_path / "out"
    assert run(publish_cmd(ds, out, *NOW)).returncode == 0
    ahead = read_ahead(out, SITE_TEMPLATES, stop=lambda: True)

    def read_again(root: Path) -> Store:
        raise AssertionError(f"the store at {root} read again")

    monkeypatch.setattr(Store, "load", read_again)
    store = ahead.store(out / "store")
    assert store.root == out / "store" and store.versions
