"""The settings of issue 9: start_period, [intake] and [smtp], read, checked and typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.config import load_portal
from pipeline.core.errors import ConfigError

MINIMAL = ('name = "MPP"\ncity = "Kota Jambi"\norganizer = "dpmptsp"\nlicence_id = "cc-by-4.0"\n'
           'deadline_day = 10\ncontact_email = "data@example.go.id"\n')


def _portal(tmp_path: Path, text: str):
    (tmp_path / "schemas").mkdir(exist_ok=True)
    (tmp_path / "portal.toml").write_text(text, encoding="utf-8")
    return load_portal(tmp_path, tmp_path / "out")


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTAKE_PORT", raising=False)
    portal = _portal(tmp_path, MINIMAL)
    assert portal.start_period is None
    assert (portal.intake.url, portal.intake.port, portal.intake.reminder_days) == ("", 8080, 3)
    assert portal.intake.address == "http://127.0.0.1:8080" and not portal.intake.secure
    assert (portal.smtp.host, portal.smtp.port, portal.smtp.security, portal.smtp.user) == ("", 587, "starttls", "")
    assert portal.smtp.sender == "data@example.go.id" and portal.smtp.timeout_seconds == 30.0


def test_every_key_reaches_its_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTAKE_PORT", raising=False)
    portal = _portal(tmp_path, MINIMAL + 'start_period = "2025-09"\n'
                     '[intake]\nurl = "https://unggah.example.go.id/"\nport = 8181\nreminder_days = 5\n'
                     '[smtp]\nhost = "mail.example.go.id"\nport = 465\nsecurity = "ssl"\nuser = "mpp"\n'
                     'sender = "noreply@example.go.id"\ntimeout_seconds = 9\n')
    assert portal.start_period == "2025-09"
    assert (portal.intake.url, portal.intake.port, portal.intake.reminder_days) == (
        "https://unggah.example.go.id", 8181, 5)
    assert portal.intake.secure and portal.intake.address == "https://unggah.example.go.id"
    assert (portal.smtp.host, portal.smtp.port, portal.smtp.security, portal.smtp.user, portal.smtp.sender,
            portal.smtp.timeout_seconds) == ("mail.example.go.id", 465, "ssl", "mpp", "noreply@example.go.id", 9.0)


@pytest.mark.parametrize(("text", "key"), [
    ('start_period = "2025-13"\n', "'start_period'"),
    ('start_period = "1999-01"\n', "'start_period'"),
    ('[intake]\nurl = "http://unggah.example.go.id"\n', "must be https://"),
    ('[intake]\nurl = "https://user:pw@unggah.example.go.id"\n', "'intake.url'"),
    ('[intake]\nport = 0\n', "'intake.port'"),
    ('[intake]\nreminder_days = 40\n', "'intake.reminder_days'"),
    ('[smtp]\nsecurity = "tls"\n', "'smtp.security'"),
    ('[smtp]\nsender = "not an address"\n', "'smtp.sender'"),
])
def test_broken_values_are_configuration_errors(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        _portal(tmp_path, MINIMAL + text)
    assert len(err.value.problems) == 1 and key in err.value.problems[0]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:8080"])
def test_plain_http_is_allowed_on_this_machine_only(tmp_path: Path, url: str) -> None:
    portal = _portal(tmp_path, MINIMAL + f'[intake]\nurl = "{url}"\n')
    assert portal.intake.address == url and not portal.intake.secure


def test_the_port_from_the_environment_is_a_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_PORT", "9123")
    assert _portal(tmp_path, MINIMAL).intake.port == 9123
    monkeypatch.setenv("INTAKE_PORT", "http")
    with pytest.raises(ConfigError) as err:
        _portal(tmp_path, MINIMAL)
    assert err.value.problems == ["INTAKE_PORT: harus bilangan bulat / must be an integer (ditemukan / found: 'http')"]
