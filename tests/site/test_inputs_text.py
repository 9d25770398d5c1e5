"""A lazy page's inputs are written out by ``InputsText`` exactly as ``repr`` writes them (the page keys stay)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NamedTuple

import pytest

from pipeline.core.config import Portal
from pipeline.core.records import Agency
from pipeline.site.build import TEMPLATES, _records, kits
from pipeline.site.inputs_text import InputsText
from pipeline.site.loader import load_site_data
from pipeline.site.models import Agenda
from pipeline.site.page import Lazy
from pipeline.site.pages import all_pages

AS_OF = date(2026, 11, 28)


@pytest.mark.parametrize("portal_name", ["sample_portal", "fixture_portal"])
def test_every_lazy_page_of_a_built_city_is_written_as_repr_writes_it(portal_name: str,
                                                                      request: pytest.FixtureRequest) -> None:
    portal: Portal = request.getfixturevalue(portal_name)
    data = load_site_data(portal, AS_OF)
    writer = InputsText()  # one for every page and both languages, as a build has
    seen = 0
    for kit in kits(TEMPLATES).values():
        for page in all_pages(data, kit):
            if isinstance(page, Lazy):
                assert writer.text(page.inputs) == repr(page.inputs), page.path
                seen += 1
    assert seen > 50


class Pair(NamedTuple):
    """A tuple of another class: written by its own ``repr``."""

    a: int
    b: str


@dataclass(frozen=True)
class Own:
    """A class with a ``repr`` of its own."""

    n: int

    def __repr__(self) -> str:
        return f"<own {self.n}>"


@dataclass(frozen=True)
class Holder:
    """Page inputs as the builders declare them: records, plain values, a field left out of ``repr``."""

    agency: Agency
    agendas: tuple[Agenda, ...]
    names: dict[tuple[str, str], str | None]
    values: list[Any]
    hidden: int = field(default=0, repr=False)


AGENCY = Agency("dpm", "Dinas 'Penanaman' \"Modal\"\n", None, "government", "A-1", date(2020, 1, 2), None, True)
AGENDA = Agenda("dpm", "R-1", date(2026, 1, 5), time(9, 0), None, "Rapat\u00a0ke-1 \\ \ud800", "rapat", ("dpm",), None,
                "held", None, None, "2026-01", ())


@pytest.mark.parametrize("value", [
    (), (1,), ((),), [(), [()]], {}, {("a", "b"): None}, "", "é\u2028\x00", 10 ** 400, -0.0, float("nan"), 1e300,
    True, None, Decimal("1.50"), date(2026, 1, 1), datetime(2026, 1, 1, 8, 0, 1, 5), frozenset({"a"}),
    Pair(1, "x"), [Pair(2, "y")], Own(3), (Own(4),), AGENCY, AGENDA,
    Holder(AGENCY, (AGENDA, AGENDA), {("2026-01", "dpm"): "x", ("", ""): None}, [1.5, {"k": (AGENCY,)}], 7),
])
def test_plain_values_records_and_other_classes_are_written_as_repr_writes_them(value: Any) -> None:
    writer = InputsText()
    assert writer.text(value) == repr(value)
    assert writer.text(value) == repr(value)  # again, a record's text then taken back


def test_an_equal_record_that_is_another_object_is_written_out_on_its_own() -> None:
    # Records are kept by identity: a record of another build (or changed data) is never given
    # the text of one that merely sat at the same address.
    writer = InputsText()
    first = Agency("a", "Satu", None, "government", None, None, None, True)
    assert writer.text(first) == repr(first)
    other = Agency("a", "Dua", None, "government", None, None, None, True)
    assert writer.text((other, first)) == repr((other, first))


def _record_digest(record: Any) -> str:
    return "#" + hashlib.sha256(repr(record).encode("utf-8", "surrogatepass")).hexdigest()


@pytest.mark.parametrize("value", [
    (), "é\u2028\x00", 10 ** 400, Decimal("1.50"), Pair(1, "x"), Own(3), {("a", "b"): None}, [1.5, {"k": ("x",)}],
])
def test_with_digests_a_value_holding_no_record_is_written_as_repr_writes_it(value: Any) -> None:
    assert InputsText(digests=True).text(value) == repr(value)


def test_with_digests_each_record_is_written_as_the_digest_of_its_repr() -> None:
    writer = InputsText(digests=True)
    holder = Holder(AGENCY, (AGENDA, AGENDA), {("2026-01", "dpm"): "x"}, [1.5, {"k": (AGENCY,)}], 7)
    expected = repr(holder).replace(repr(AGENCY), _record_digest(AGENCY)).replace(repr(AGENDA), _record_digest(AGENDA))
    assert writer.text(holder) == expected
    assert writer.text(holder) == expected  # again, the records' digests then taken back
    assert "Agency(" not in expected and "Agenda(" not in expected


def test_with_digests_records_of_equal_value_write_equally_and_any_other_value_otherwise() -> None:
    writer = InputsText(digests=True)
    first = Agency("a", "Satu", None, "government", None, None, None, True)
    same = Agency("a", "Satu", None, "government", None, None, None, True)
    other = Agency("a", "Satu", None, "government", None, None, None, False)
    assert writer.text((first,)) == writer.text((same,)) != writer.text((other,))
    # A record is not mistaken for a text holding its digest: that is written quoted.
    assert writer.text((first,)) != writer.text((_record_digest(first),))


def test_records_written_beforehand_give_the_texts_a_fresh_writer_gives(fixture_portal: Portal) -> None:
    # A build writes the site data's records once before the languages' processes fork (``build._records``).
    data = load_site_data(fixture_portal, AS_OF)
    primed, fresh = InputsText(digests=True), InputsText(digests=True)
    records = list(_records(data))
    assert len(records) > 50 and {type(r).__name__ for r in records} >= {"Agency", "Agenda", "Decision", "Submission"}
    primed.write_all(records)
    assert all(primed.text(r) == _record_digest(r) for r in records)
    seen = 0
    for kit in kits(TEMPLATES).values():
        for page in all_pages(data, kit):
            if isinstance(page, Lazy):
                assert primed.text(page.inputs) == fresh.text(page.inputs), page.path
                seen += 1
    assert seen > 50


@pytest.mark.parametrize("digests", [False, True])
def test_sequences_of_records_written_already_are_written_as_one_by_one(digests: bool) -> None:
    # The records' texts of a sequence are taken by identity in one pass (``_written``): the same text
    # as each element written on its own, whatever else the sequence holds.
    first = Agency("a", "Satu", None, "government", None, None, None, True)
    second = Agency("b", "Dua", None, "government", None, None, None, True)
    twin = Agency("a", "Satu", None, "government", None, None, None, True)  # equal to ``first``, another object
    values: list[Any] = [(first,), (first, second), [second, first], {"x": first, "y": second}, {"x": (first,)},
                         (first, twin), (first, "a"), [first, None], {"x": first, "y": 1}, (twin, second, first)]
    primed, fresh = InputsText(digests=digests), InputsText(digests=digests)
    primed.write_all([first, second])
    for value in values:
        assert primed.text(value) == fresh.text(value), value
        if not digests:
            assert primed.text(value) == repr(value)
