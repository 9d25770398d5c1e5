"""The tasks of no language (shares.py): each taken once, by whichever process asks first, the rest by the caller."""

from __future__ import annotations

import os

import pytest

from pipeline.runner import isolate
from pipeline.site import shares
from pipeline.site.shares import Shares


def test_the_tasks_are_taken_in_order_each_once_and_the_rest_left() -> None:
    tasks = Shares()
    try:
        claims = tasks.claims()
        assert next(claims) == shares.CALENDARS  # the longest first
        assert tasks.rest() == [shares.COPIES, shares.MACHINE]  # what no process took, in order
        assert list(claims) == [] and tasks.rest() == []  # nothing is taken twice
    finally:
        tasks.close()


def test_a_closed_share_gives_nothing() -> None:
    tasks = Shares(("a", "b"))
    tasks.close()
    assert tasks.rest() == []
    tasks.close()  # a second close is harmless


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the tasks are shared by forked processes")
def test_forked_processes_taking_at_once_take_each_task_once() -> None:
    names = tuple(f"task-{n}" for n in range(40))
    for _ in range(5):
        tasks = Shares(names)
        try:
            children = [isolate.start(f"claims {n}", lambda share=tasks: list(share.claims())) for n in range(2)]
            here = list(tasks.claims())
            taken = [*here, *(task for child in children for task in child.result())]
        finally:
            tasks.close()
        assert sorted(taken) == sorted(names)  # every task once: none lost, none twice
