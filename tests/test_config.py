"""portal.toml: every problem at once, warnings for unknown keys, other spellings of keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.config import load_portal
from pipeline.core.errors import ConfigError


def _portal(tmp_path: Path, text: str):
    (tmp_path / "portal.toml").write_text(text, encoding="utf-8")
    return load_portal(tmp_path, tmp_path / "out")


def test_other_spellings_are_read_with_a_warning(tmp_path: Path) -> None:
    portal = _portal(tmp_path, 'name = "MPP X"\ncity = "Kota X"\norganiser = "dpmptsp"\n'
                               'license = "cc-by-4.0"\ndeadline = 12\nckan_organization = "mpp-x"\n')
    assert (portal.organizer, portal.licence_id, portal.deadline_day) == ("dpmptsp", "cc-by-4.0", 12)
    assert portal.ckan.organization == "mpp-x"
    assert sum("read as" in w for w in portal.warnings) == 4


def test_ckan_organization_defaults_from_the_city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CKAN_URL", raising=False)
    portal = _portal(tmp_path, 'name = "MPP"\ncity = "Kota Jambi"\norganizer = "dpmptsp"\n'
                               'licence_id = "cc-by-4.0"\ndeadline_day = 10\n')
    assert portal.ckan.organization == "mpp-kota-jambi"
    assert portal.ckan.url == ""  # no [ckan] url and no CKAN_URL: nothing to push to


def test_ckan_url_comes_from_the_environment_before_portal_toml(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    text = ('name = "MPP"\ncity = "Kota Jambi"\norganizer = "dpmptsp"\nlicence_id = "cc-by-4.0"\n'
            'deadline_day = 10\n[ckan]\nurl = "https://ckan.example.go.id/"\n')
    monkeypatch.delenv("CKAN_URL", raising=False)
    assert _portal(tmp_path, text).ckan.url == "https://ckan.example.go.id"  # the trailing slash dropped
    monkeypatch.setenv("CKAN_URL", "http://127.0.0.1:5000/")
    assert _portal(tmp_path, text).ckan.url == "http://127.0.0.1:5000"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        _portal(tmp_path, 'city = 5\norganizer = "Bad Code"\ndeadline_day = 40\ntimezone = "Mars/Base"\n'
                          'site_url = "ftp://x"\n[ckan]\norganization = "Not Valid"\n')
    text = "\n".join(err.value.problems)
    for key in ("'name'", "'city'", "'organizer'", "'licence_id'", "'deadline_day'", "'timezone'",
                "'site_url'", "'ckan.organization'"):
        assert key in text, key


def test_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        _portal(tmp_path, "name = \n")
