"""A first publish's site child, forked at the data stage's commit so that its start-up is done when that stage ends.

A ``publish`` runs the data stage in one forked child, then the site build in another (``isolate.py``). At a
first publish (no store yet) the site child's start, importing the site's code and compiling the page templates
(0.7 s at a city's size), came after the data stage, on the critical path. The data stage's commit, swaps and
saves come after its memory peak and are mostly disk waits: the site child is forked once the data stage's
child says it reached its commit (``ahead.Ahead``, ``at_commit``), imports and compiles there, and then waits for
the word to build (``EarlySite.go``), which carries the digests of the data files the stage wrote.

It writes nothing before that word: when the data stage fails, or the site is not to be built, it is killed
(``EarlySite.cancel``) and the output is as the data stage left it. The templates it compiled are kept in the
build's cache (``compiled.KeptTemplates``) only after the word, where the build itself then finds them.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pipeline.core.config import Portal
from pipeline.core.errors import PipelineError
from pipeline.runner import isolate

T = TypeVar("T")
Written = dict[str, list[Any]]  # the data files the data stage wrote, by path (``PublishResult.written``)


class EarlySite(Generic[T]):
    """The site child forked ahead: started at once, building only after ``go``."""

    def __init__(self, portal: Portal, build: Callable[[Written], T]) -> None:
        read_end, self._write = os.pipe()
        try:
            self.child: isolate.Child[T] = isolate.start("site", lambda: _wait_and_build(portal, read_end,
                                                                                          self._write, build))
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


def _wait_and_build(portal: Portal, read_end: int, write_end: int, build: Callable[[Written], T]) -> T:
    """In the child: start up, wait for the word, keep the compiled templates, build."""
    os.close(write_end)  # else the end of the word is never seen
    keep = _start_up(portal)
    with os.fdopen(read_end, "rb") as word:
        body = word.read()
    if not body:  # the command's process ended without a word (``cancel`` kills first: not reached then)
        raise PipelineError("site: the data stage ended without a word to build")
    written: Written = pickle.loads(body)
    keep()
    return build(written)


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
