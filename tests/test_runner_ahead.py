"""The site stage's code is loaded in the command's process while the data stage's child works (runner/ahead.py):
only once the child said its check found work, never for a first publish, and the notice never blocks the command.

The notice is exercised through real forked children (isolate.py); the publish step through the real data stage
of the small generated town, in a separate interpreter that reports whether it imported the site's code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.core.errors import PipelineError
from pipeline.runner.ahead import Ahead
from pipeline.runner.isolate import start
from tests.town_support import ROOT, published_town
from tools.bench import city


def test_the_notice_says_whether_the_child_found_work() -> None:
    for found in (True, False):
        ahead = Ahead()

        def told(ahead: Ahead = ahead, found: bool = found) -> int:
            ahead.tell(found)
            return 7

        child = start("notice", told)
        assert ahead.heard() is found
        assert child.result() == 7


def test_a_child_that_fails_or_dies_before_telling_does_not_block_the_command() -> None:
    ahead = Ahead()

    def failed() -> None:
        ahead.close()
        raise PipelineError("check failed")

    child = start("notice", failed)
    assert ahead.heard() is False
    with pytest.raises(PipelineError, match="check failed"):
        child.result()
    ahead = Ahead()
    child = start("notice", lambda: os._exit(3))  # killed, as by the kernel: its end of the pipe closes with it
    assert ahead.heard() is False
    with pytest.raises(PipelineError):
        child.result()


# The publish step as the command runs it (the site following), reporting whether this process loaded the site's code.
_STEP = """
import sys
from datetime import datetime
from pathlib import Path
from pipeline.runner import steps
from pipeline.runner.runlog import RunRecord
portal = steps.load(Path(sys.argv[1]), Path(sys.argv[2]))
steps.publish(portal, datetime(2026, 11, 30).date(), datetime(2026, 11, 30, 8), RunRecord("publish", datetime.now()),
              site=True)
import gc
print("pipeline.site.build" in sys.modules and gc.get_freeze_count() > 0)
"""


def _step(datasets: Path, output: Path) -> bool:
    done = subprocess.run([sys.executable, "-c", _STEP, str(datasets), str(output)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"True": True, "False": False}[done.stdout.splitlines()[-1]]


def test_site_code_is_loaded_ahead_only_for_a_publish_with_work_after_a_first(tmp_path: Path) -> None:
    town, datasets, output = published_town(tmp_path)
    assert _step(datasets, output) is False  # nothing new: the command ends sooner than the imports would
    city.add_late_month(town, datasets)
    assert _step(datasets, output) is True
    assert _step(datasets, tmp_path / "first") is False  # a first publish: the data stage's peak is left alone
