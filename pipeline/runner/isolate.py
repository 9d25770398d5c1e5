"""Run one stage of a command in a forked child process, so that its memory goes back to the system when it ends.

``publish`` runs the data stage and then the site build. In one process the site build
sat on top of everything the data stage had allocated (the heap of CPython does not shrink
much once freed), and Pagefind's children on top of both. Each stage now runs in a child
forked from the small parent (which has read portal.toml and holds the output lock; the
child inherits the lock's descriptor, so no other run can start meanwhile).

To the command nothing changes: the child's return value comes back to the parent, an
exception it raises is raised again in the parent (with the child's traceback as a note,
so ``--debug`` and the internal-error report still show where it happened), the internal
errors it recorded (``pipeline.core.incidents``) are recorded in the parent too, and its
output goes to the same stdout and stderr. A child that dies without an answer (killed by
the kernel when memory runs out, for example) is a PipelineError naming the stage and the
signal. The child is killed when the parent dies (SIGKILL included), like Pagefind.

A child may answer before its last work (``Then``): the parent goes on with the answer while the child finishes
(the data stage saves its own records for the next run while the site builds); ``Child.reap`` then waits for that
work and raises what it raised, or says that the child died before it was done.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, Generic, TypeVar

from pipeline.core import incidents, timeline
from pipeline.core.errors import PipelineError
from pipeline.core.parent_death import die_with_parent

T = TypeVar("T")
_CRASHED = 70  # the child's exit status when even its answer could not be sent
_LENGTH = 8  # the bytes of each part's length, before it: the answer is read without waiting for the child's end


class Then(Generic[T]):
    """What an action returns to answer with ``value`` at once and then run ``later`` in the child (``Child.reap``
    waits for it, and raises what it raised)."""

    def __init__(self, value: T, later: Callable[[], None]) -> None:
        self.value = value
        self.later = later


def in_child(stage: str, action: Callable[[], T]) -> T:
    """Run ``action`` in a forked child and return what it returns (or raise what it raises)."""
    return start(stage, action).result()


def start(stage: str, action: Callable[[], T | Then[T]], died: type[PipelineError] = PipelineError) -> Child[T]:
    """Fork a child that runs ``action`` while the caller goes on; ``Child.result`` collects it.

    ``died``: the error raised when the child ends without an answer (killed, out of memory). An action returning
    ``Then`` answers with its value, then does its later work (``Child.reap`` waits for it).
    """
    _flush()  # text buffered in this process must not be printed a second time by the child
    read_end, write_end = os.pipe()
    parent = os.getpid()  # before the fork: asked in the child, a parent already dead would name its reaper
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        timeline.forked(stage)
        _child(parent, write_end, action)
    os.close(write_end)
    return Child(stage, pid, read_end, died)


class Child(Generic[T]):
    """A forked child at work: its answer taken once by ``result``, or the child ended by ``stop``."""

    def __init__(self, stage: str, pid: int, read_end: int, died: type[PipelineError]) -> None:
        self.stage = stage
        self.pid = pid
        self._pipe = os.fdopen(read_end, "rb")
        self._died = died
        self._waited = False
        self._later = False  # the answer promised a second part: the outcome of the child's work after it

    def result(self, reap: bool = True) -> T:
        """Wait for the child's answer; return what its action returned, or raise what it raised.

        ``reap`` False: a child that answered is not waited for here (its exit, giving back a large heap, takes a
        few hundredths of a second after its answer): the caller reaps it later (``reap``).
        """
        answer = _read_part(self._pipe)  # before waiting: a big answer would block the child
        if answer is None:
            self._pipe.close()
            raise self._died(_died_message(self.stage, self._wait()))
        later, outcome = pickle.loads(answer)
        self._later = later
        try:
            value = _taken(outcome)
        finally:
            if reap:
                self.reap()
        result: T = value
        return result

    @property
    def finishing(self) -> bool:
        """True when the child answered before its last work (``Then``), and ``reap`` did not wait for it yet."""
        return self._later

    def reap(self) -> None:
        """Wait for the child to end, unless it was already waited for (``result`` with ``reap`` False); raise what
        its work after the answer raised (``Then``), or that it died before that work was done."""
        if self._waited:
            return
        later = _read_part(self._pipe) if self._later and not self._pipe.closed else None
        self._pipe.close()
        status = self._wait()
        if self._later:
            self._later = False
            if later is None:
                raise self._died(_died_message(self.stage, status))
            _taken(pickle.loads(later))

    def stop(self) -> None:
        """Kill the child unless it was already waited for (the caller failed: its answer is not wanted)."""
        if self._waited:
            return
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self._pipe.close()
        self._later = False
        self._wait()

    def _wait(self) -> int:
        """The child's wait status, reaped once."""
        self._waited = True
        return _wait(self.pid)


def _taken(outcome: tuple[tuple[str, Any], list[Any], str, str]) -> Any:
    """What one part of a child's answer returned (its incidents kept, its captured text written), or raise what
    it raised."""
    (kind, value), found, out, err = outcome
    for incident in found:
        incidents.keep(incident)
    sys.stdout.write(out)
    sys.stderr.write(err)
    _flush()
    if kind == "raised":
        raise value
    return value


def _read_part(pipe: io.BufferedReader) -> bytes | None:
    """One part of a child's answer (its length first), or None when the child closed its end before it."""
    head = pipe.read(_LENGTH)
    if len(head) < _LENGTH:
        return None
    size = int.from_bytes(head, "big")
    body = pipe.read(size)
    return body if len(body) == size else None


def _child(parent: int, write_end: int, action: Callable[[], Any]) -> None:
    """The child's side: run the action, send its answer (then run its work after it, ``Then``, and send that
    work's outcome), and end without running the parent's clean-ups."""
    code = 0
    try:
        _die_with(parent)
        incidents.clear()  # the parent's own incidents stay the parent's
        with timeline.span(timeline.WHOLE):
            outcome, later, text = _run(action)
            with os.fdopen(write_end, "wb") as pipe:
                _send(pipe, _dumps((later is not None, (outcome, incidents.collected(), *text))))
                if later is not None:
                    incidents.clear()  # (sent with the answer)
                    after, _, text = _run(later)
                    _send(pipe, _dumps((after, incidents.collected(), *text)))
    except BaseException:  # noqa: BLE001 - the parent reports a child without an answer
        code = _CRASHED
        traceback.print_exc()
    finally:
        _flush()
        os._exit(code)  # not sys.exit: the parent's atexit handlers and test harness must not run twice


def _run(action: Callable[[], Any]) -> tuple[tuple[str, Any], Callable[[], None] | None, tuple[str, str]]:
    """Run ``action`` with its text captured (``_captured``): its outcome, the work it leaves for after the answer
    (``Then``), and the text."""
    later = None
    with _captured() as streams:
        try:
            outcome: tuple[str, Any] = ("returned", action())
            if isinstance(outcome[1], Then):
                outcome, later = ("returned", outcome[1].value), outcome[1].later
        except BaseException as exc:  # noqa: BLE001 - every exception goes back to the parent
            outcome = ("raised", _portable(exc))
        _flush()
    return outcome, later, streams.text()


def _send(pipe: io.BufferedWriter, part: bytes) -> None:
    """Write one part of the answer, its length first, and flush it (the parent reads it before the child ends)."""
    pipe.write(len(part).to_bytes(_LENGTH, "big") + part)
    pipe.flush()


def _die_with(parent: int) -> None:
    """Be killed when the parent dies; end at once if it already has (between fork and this call)."""
    if die_with_parent() and os.getppid() != parent:
        os._exit(_CRASHED)


class _Streams:
    """What the child wrote to in-memory streams (an in-process test harness); empty for real ones."""

    def __init__(self) -> None:
        self.out: io.StringIO | None = None
        self.err: io.StringIO | None = None

    def text(self) -> tuple[str, str]:
        """The captured stdout and stderr text."""
        return (self.out.getvalue() if self.out else "", self.err.getvalue() if self.err else "")


@contextmanager
def _captured() -> Iterator[_Streams]:
    """Capture stdout/stderr only where they are not files (click's CliRunner): a real terminal
    or pipe is shared with the parent and written to directly, line by line as the stage goes."""
    streams = _Streams()
    saved = sys.stdout, sys.stderr
    if not _is_file(sys.stdout):
        streams.out = sys.stdout = io.StringIO()
    if not _is_file(sys.stderr):
        streams.err = sys.stderr = io.StringIO()
    try:
        yield streams
    finally:
        sys.stdout, sys.stderr = saved


def _is_file(stream: Any) -> bool:
    """True when ``stream`` writes to a file descriptor, which a forked child shares."""
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return False
    return True


def _portable(exc: BaseException) -> BaseException:
    """``exc`` with the child's traceback as a note, in a form that survives the trip to the parent."""
    exc.add_note("".join(["(in the child process of this stage)\n", *traceback.format_exception(exc)]).rstrip())
    try:
        _dumps(exc)
    except Exception:  # noqa: BLE001 - an unpicklable exception: its kind and words still travel
        base = PipelineError if isinstance(exc, PipelineError) else RuntimeError
        plain = base(str(exc) if base is PipelineError else f"{type(exc).__name__}: {exc}")
        plain.__notes__ = list(exc.__notes__)
        return plain
    return exc


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    """An exception made again from its class, args and attributes, without calling its ``__init__``
    (ConfigError's takes a list of problems, not the message its ``args`` hold)."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


def _reduce(exc: BaseException) -> tuple[Any, ...]:
    """How an exception of the pipeline is pickled (see ``_rebuild``)."""
    return _rebuild, (type(exc), exc.args, dict(exc.__dict__))


class _Pickler(pickle.Pickler):
    """Pickles the pipeline's own exceptions with ``_reduce``; everything else as usual."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, PipelineError):
            return _reduce(obj)
        return NotImplemented


def _dumps(obj: Any) -> bytes:
    """``obj`` pickled, the pipeline's exceptions by ``_reduce``."""
    buffer = io.BytesIO()
    _Pickler(buffer, pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def _wait(pid: int) -> int:
    """The child's wait status (os.waitpid retries by itself when a signal interrupts it)."""
    return os.waitpid(pid, 0)[1]


def _died_message(stage: str, status: int) -> str:
    """Why a child ended without an answer, in both languages."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        # The kernel's out-of-memory killer sends SIGKILL; so does an operator, more rarely.
        oom = number == signal.SIGKILL
        return (f"tahap {stage} berhenti tanpa hasil karena sinyal {name}"
                f"{', kemungkinan kehabisan memori' if oom else ''} / the {stage} stage ended "
                f"without a result on signal {name}{', probably out of memory' if oom else ''}")
    return (f"tahap {stage} berhenti tanpa hasil (kode {os.WEXITSTATUS(status)}) / the {stage} stage ended "
            f"without a result (exit status {os.WEXITSTATUS(status)})")


def _flush() -> None:
    """Flush both standard streams (a closed one is left alone)."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
