"""A publish's site child, forked while the data stage works so that its start-up is done when that stage ends.

A ``publish`` runs the data stage in one forked child, then the site build in another (``isolate.py``). The site
child's start came after the data stage, on the critical path, while the other core was mostly idle:

- at a first publish (no store yet), importing the site's code and compiling the page templates (0.7 s at a
  city's size). The data stage's commit, swaps and saves come after its memory peak and are mostly disk waits:
  the site child is forked once the data stage's child says it reached its commit (``ahead.Ahead``,
  ``at_commit``), imports and compiles there (``first_build``);
- after that, what the build reads first of files only the site stage writes: the live site's manifest, the
  kept digests of its check, the walk of the trees that check reads (half a second at a city's size,
  ``site/readahead.py``). The command's process imported the site's code once the data stage's check found work
  (``ahead.py``); the site child is forked from it when the data stage's child says it reached its commit
  (``Ahead.heard_commit``: its memory peak behind), and reads them there while that stage swaps and saves
  (``read_first``); the build takes each only while its files are as they were read.

Then the child waits for the word to build (``EarlySite.go``), which carries the digests of the data files the
stage wrote. It writes nothing before that word: when the data stage fails, or the site is not to be built, it
is killed (``EarlySite.cancel``) and the output is as the data stage left it. The templates a first build's child
compiled are kept in the build's cache (``compiled.KeptTemplates``) only after the word, where the build itself
then finds them.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pipeline.core import timeline
from pipeline.core.config import Portal
from pipeline.core.errors import PipelineError
from pipeline.runner import isolate

if TYPE_CHECKING:
    from pipeline.site.readahead import ReadAhead

T = TypeVar("T")
Written = dict[str, list[Any]]  # the data files the data stage wrote, by path (``PublishResult.written``)


# Whether the word came, waiting for it at most so many seconds (0: not at all).
Word = Callable[[float], bool]
# What the child does at once: its start-up, given how to ask whether the word came, returning what builds once
# it came.
StartUp = Callable[[Word], Callable[[Written], T]]
# While the word is awaited, after the reading ahead, what was read of a file the data stage replaces meanwhile (the
# store's index, at its commit) is read again once it changed (``ReadAhead.renew``), looked at this often (seconds).
RENEW_EVERY = 0.01


class EarlySite(Generic[T]):
    """The site child forked ahead: started at once (``start``), building only after ``go``."""

    def __init__(self, start: StartUp[T]) -> None:
        read_end, self._write = os.pipe()
        try:
            self.child: isolate.Child[T] = isolate.start("site", lambda: _wait_and_build(read_end, self._write,
                                                                                          start))
        finally:
            os.close(read_end)

    def go(self, written: Written) -> isolate.Child[T]:
        """Tell the child to build (with the data files' digests); its ``result`` is the build's."""
        try:
            with os.fdopen(self._write, "wb") as word:
                word.write(pickle.dumps(written))
        except OSError:
            pass  # the child died meanwhile: its ``result`` says so
        self._write = -1
        return self.child

    def cancel(self) -> None:
        """Kill the child (it wrote nothing) and close the word it waits for."""
        if self._write >= 0:
            os.close(self._write)
            self._write = -1
        self.child.stop()


def first_build(portal: Portal, build: Callable[[Written], T]) -> StartUp[T]:
    """A first publish's start-up: the site's code imported and its templates compiled (kept once the word came)."""
    def start(_: Word) -> Callable[[Written], T]:
        with timeline.span("start-up: templates compiled"):
            keep = _start_up(portal)

        def go(written: Written) -> T:
            keep()
            return build(written)
        return go
    return start


def read_first(portal: Portal, build: Callable[[Written, ReadAhead], T], first: ReadAhead | None = None) -> StartUp[T]:
    """A later publish's start-up: the site's code imported and what the build reads first read (``_read_ahead``;
    ``first``: what the command's process read of it already, ``readahead.digests_first``)."""
    def start(word: Word) -> Callable[[Written], T]:
        with timeline.span("start-up: read ahead"):  # (and read again what the data stage replaced, until the word)
            ahead = _read_ahead(portal, lambda: word(0.0), first)
            _renew(ahead, word)
        return lambda written: build(written, ahead)
    return start


def _wait_and_build(read_end: int, write_end: int, start: StartUp[T]) -> T:
    """In the child: start up, wait for the word, build."""
    os.close(write_end)  # else the end of the word is never seen
    go = start(lambda wait: _came(read_end, wait))
    with timeline.span("waiting: the data stage's word"), os.fdopen(read_end, "rb") as word:
        body = word.read()
    if not body:  # the command's process ended without a word (``cancel`` kills first: not reached then)
        raise PipelineError("site: the data stage ended without a word to build")
    written: Written = pickle.loads(body)
    return go(written)


def _came(read_end: int, wait: float = 0.0) -> bool:
    """True once the word can be read (or the command's process ended without one), waiting at most ``wait``
    seconds for it."""
    waiting = select.poll()
    waiting.register(read_end, select.POLLIN)
    return bool(waiting.poll(round(wait * 1000)))


def _renew(ahead: ReadAhead, word: Word) -> None:
    """Until the ``word`` came, read again what the data stage replaced since it was read ahead (the store's index,
    written at its commit while the child reads: read before, the build read it again, 0.06 s at a city's size)."""
    while not word(RENEW_EVERY):
        if ahead.renew():
            gc.freeze()  # read-only, as the rest read ahead (``_read_ahead``)
    # The commit's rename and the word can come within one look: read it now, as the build would have, so that
    # the build always takes it from here (one stat when nothing changed).
    if ahead.renew():
        gc.freeze()


def _read_ahead(portal: Portal, word: Callable[[], bool], first: ReadAhead | None = None) -> ReadAhead:
    """Read what the site's build reads first of files only the site stage writes (its code imported, if not yet),
    the longest part only until the ``word`` came."""
    from pipeline.runner.ahead import import_site_code

    import_site_code()
    from pipeline.site.build import TEMPLATES
    from pipeline.site.readahead import read_ahead

    ahead = read_ahead(portal.output, TEMPLATES, word, first)
    # Read-only from here on, for the rest of the build: set aside from the collector (the build's first full
    # collection, ``loader._collector_paused``, walked the manifest's 150,000 entries).
    gc.freeze()
    return ahead


def _start_up(portal: Portal) -> Callable[[], None]:
    """Import the site's code and compile its page templates in memory; returns the call that keeps them in
    the build's cache of compiled templates (once the word came: until then nothing is written)."""
    from jinja2.bccache import Bucket, BytecodeCache

    from pipeline.runner.ahead import import_site_code
    from pipeline.site.build import TEMPLATES
    from pipeline.site.compiled import KeptTemplates
    from pipeline.site.fingerprint import site_code
    from pipeline.site.render import preloaded

    import_site_code()

    class Held(BytecodeCache):
        """The templates compiled here, held until they may be written."""

        def __init__(self) -> None:
            self.buckets: list[Bucket] = []

        def load_bytecode(self, bucket: Bucket) -> None:
            """Nothing held yet: every template is compiled."""

        def dump_bytecode(self, bucket: Bucket) -> None:
            """Hold a compiled template."""
            self.buckets.append(bucket)

    held = Held()
    preloaded(TEMPLATES, held)  # (a template that does not compile fails here as in the build)

    def keep() -> None:
        kept = KeptTemplates(portal.output, site_code(portal, TEMPLATES, True))  # as ``build_site`` keys them
        for bucket in held.buckets:
            kept.dump_bytecode(bucket)

    return keep
