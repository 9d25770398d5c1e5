"""A later publish's site child takes the store's index it read ahead (``ReadAhead.renew``: read again once the data
stage's commit replaced it), not a reading of its own after the word; the site is the one a build without it makes."""

from __future__ import annotations

from pathlib import Path

from tests.test_early_site import NOT_AHEAD, _patched, _published_twice, _same_output

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
