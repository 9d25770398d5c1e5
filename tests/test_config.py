"""portal.toml: every problem at once, warnings for unknown keys, other spellings of keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.config import load_portal
from pipeline.core.errors import ConfigError


def _portal(tmp_path: Path, text: str):
    (tmp_path / "schemas").mkdir(exist_ok=True)  # else a warning says the project's schemas are used
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


MINIMAL = 'name = "MPP"\ncity = "Kota Jambi"\norganizer = "dpmptsp"\nlicence_id = "cc-by-4.0"\ndeadline_day = 10\n'


def test_every_setting_reaches_the_portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A portal.toml that sets every key to a value other than its default; each lands in its field."""
    monkeypatch.delenv("CKAN_URL", raising=False)
    portal = _portal(tmp_path, '''
name = "MPP Uji"
name_en = "Test Mall"
city = "Kota Uji"
organizer = "dpmptsp"
languages = ["id", "en"]
licence_id = "cc0-1.0"
licence_title = "CC0"
licence_url = "https://creativecommons.org/publicdomain/zero/1.0/"
deadline_day = 15
timezone = "Asia/Makassar"
site_url = "https://data.example.go.id/"
publisher = "Dinas Uji"
contact_email = "data@example.go.id"
public_contacts = ["(0741) 7550100"]
max_file_mb = 2
max_xlsx_uncompressed_mb = 7.5
max_rows = 300
max_columns = 40
max_cell_chars = 1000
receipts = "intake/receipts.csv"
ckan.url = "https://ckan.example.go.id/"
ckan.organization = "mpp-uji"
ckan.organization_title = "MPP Uji"
ckan.timeout_seconds = 12
''')
    assert (portal.name, portal.name_en, portal.city, portal.organizer) == ("MPP Uji", "Test Mall", "Kota Uji", "dpmptsp")
    assert portal.languages == ("id", "en")
    assert (portal.licence_id, portal.licence_title, portal.licence_url) == (
        "cc0-1.0", "CC0", "https://creativecommons.org/publicdomain/zero/1.0/")
    assert (portal.deadline_day, portal.timezone, portal.site_url) == (15, "Asia/Makassar", "https://data.example.go.id")
    assert (portal.publisher, portal.contact_email, portal.public_contacts) == (
        "Dinas Uji", "data@example.go.id", ("(0741) 7550100",))
    assert (portal.limits.max_file_mb, portal.limits.max_xlsx_uncompressed_mb) == (2.0, 7.5)
    assert (portal.limits.max_rows, portal.limits.max_columns, portal.limits.max_cell_chars) == (300, 40, 1000)
    assert portal.receipts == tmp_path / "intake" / "receipts.csv"
    assert (portal.ckan.url, portal.ckan.organization, portal.ckan.organization_title, portal.ckan.timeout_seconds) == (
        "https://ckan.example.go.id", "mpp-uji", "MPP Uji", 12.0)
    assert portal.warnings == ()


def test_defaults_of_a_minimal_portal_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CKAN_URL", raising=False)
    portal = _portal(tmp_path, MINIMAL)
    assert (portal.languages, portal.timezone, portal.receipts, portal.public_contacts) == (
        ("id", "en"), "Asia/Jakarta", None, ())
    assert (portal.name_en, portal.site_url, portal.ckan.url, portal.ckan.timeout_seconds) == ("", "", "", 30.0)
    assert (portal.limits.max_file_mb, portal.limits.max_rows, portal.limits.max_cell_chars) == (10.0, 5000, 32767)


@pytest.mark.parametrize("languages", ['["id"]', '["en", "id"]', '["id", "en", "fr"]', "[]"])
def test_languages_other_than_id_and_en_are_refused(tmp_path: Path, languages: str) -> None:
    """The site is built in Indonesian and English: a portal.toml may not promise anything else."""
    with pytest.raises(ConfigError) as err:
        _portal(tmp_path, f"{MINIMAL}languages = {languages}\n")
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith("portal.toml: 'languages' harus [\"id\", \"en\"]")
    assert "the site is built in Indonesian and English" in err.value.problems[0]


def test_the_old_site_table_is_ignored_with_a_warning(tmp_path: Path) -> None:
    portal = _portal(tmp_path, f'{MINIMAL}[site]\ntheme = "biru"\n')
    assert portal.warnings == (("portal.toml: 'site': tabel [site] tidak dipakai lagi dan diabaikan / "
                                "the [site] table is no longer used and is ignored"),)
    assert not hasattr(portal, "extra")


def test_unknown_keys_warn_at_the_top_and_in_ckan(tmp_path: Path) -> None:
    portal = _portal(tmp_path, f'{MINIMAL}nmae = "x"\n[ckan]\ntimeout = 5\n')
    assert portal.warnings == (
        "portal.toml: kunci 'nmae' tidak dikenal dan diabaikan / unknown key 'nmae' ignored",
        "portal.toml: kunci 'ckan.timeout' tidak dikenal dan diabaikan / unknown key 'ckan.timeout' ignored",
    )


def test_a_key_written_twice_reads_the_proper_spelling_and_warns_of_the_other(tmp_path: Path) -> None:
    portal = _portal(tmp_path, f'{MINIMAL}licence = "cc0-1.0"\n')
    assert portal.licence_id == "cc-by-4.0"
    assert portal.warnings == ("portal.toml: kunci 'licence' tidak dikenal dan diabaikan / unknown key 'licence' ignored",)


def test_type_problems_name_the_toml_type(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        _portal(tmp_path, 'name = "MPP"\ncity = "Kota Jambi"\norganizer = "dpmptsp"\nlicence_id = "x"\n'
                          'deadline_day = "10"\nlanguages = ["id", 5]\nmax_file_mb = true\nckan = "x"\n')
    assert err.value.problems == [
        "portal.toml: 'ckan' harus tabel TOML / must be a TOML table ([ckan])",
        "portal.toml: 'languages' harus daftar teks / must be an array of strings (ditemukan / found: ['id', 5])",
        "portal.toml: 'deadline_day' harus bilangan bulat / must be an integer (ditemukan / found: '10')",
        "portal.toml: 'max_file_mb' harus angka / must be a number (ditemukan / found: True)",
    ]


def test_a_broken_ckan_url_is_never_repeated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CKAN_URL", raising=False)
    with pytest.raises(ConfigError) as err:
        _portal(tmp_path, f'{MINIMAL}[ckan]\nurl = ["https://admin:s3cret@ckan.example.go.id"]\n')
    assert err.value.problems == ["portal.toml: 'ckan.url' harus teks / must be a string"]


def test_ckan_url_from_the_environment_overrides_the_file_and_is_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CKAN_URL", "https://env.example.go.id/")
    assert _portal(tmp_path, f'{MINIMAL}[ckan]\nurl = "https://file.example.go.id"\n').ckan.url == \
        "https://env.example.go.id"
    monkeypatch.setenv("CKAN_URL", "ckan.example.go.id")
    with pytest.raises(ConfigError) as err:
        _portal(tmp_path, MINIMAL)
    assert err.value.problems == ["portal.toml / CKAN_URL: 'ckan.url' harus URL http(s) / must be an http(s) URL"]


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_ckan_timeout_must_be_a_number_above_zero(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        _portal(tmp_path, f"{MINIMAL}[ckan]\ntimeout_seconds = {value}\n")
    assert len(err.value.problems) == 1 and "'ckan.timeout_seconds'" in err.value.problems[0]
    assert "must be a number above 0" in err.value.problems[0]
