"""Talking to CKAN through ckanapi: retries, error mapping, write counting, no token leaks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ckanapi
import requests

from pipeline.core.errors import PushError
from pipeline.core.redact import redact_text, redact_url

# The permission each write needs, named the way CKAN's own roles page names it.
PERMISSIONS = {
    "organization_create": "organization_create (sysadmin; membuat organisasi / create organizations)",
    "package_create": "create_dataset (peran editor atau admin organisasi / editor or admin role)",
}
UPDATE_PERMISSION = "update_dataset (peran editor atau admin organisasi / editor or admin role)"


class Transient(Exception):
    """A failure worth retrying: connection refused or reset, timeout, HTTP 5xx or 429."""


class Denied(Exception):
    """HTTP 401/403 from CKAN, whatever the body (a proxy may answer in HTML)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry transient failures (delays double)."""

    attempts: int = 4
    first_delay: float = 1.0
    max_delay: float = 15.0

    def delays(self) -> list[float]:
        """The pauses between attempts."""
        return [min(self.first_delay * 2**i, self.max_delay) for i in range(self.attempts - 1)]


class _Remote(ckanapi.RemoteCKAN):  # type: ignore[misc]  # ckanapi has no type information
    """ckanapi's RemoteCKAN, but HTTP status decides first: 5xx/429 retry, 401/403 stop."""

    def _request_fn(self, url: str, data: Any, headers: dict[str, str], files: Any,
                    requests_kwargs: dict[str, Any]) -> tuple[int, str]:
        r = self.session.post(url, data=data, headers=headers, files=files,
                              allow_redirects=False, **requests_kwargs)
        return _checked(r)


def _checked(r: requests.Response) -> tuple[int, str]:
    """Raise Transient or Denied from the status; otherwise hand the body to ckanapi."""
    if r.status_code >= 500 or r.status_code == 429:
        raise Transient(f"HTTP {r.status_code}")
    if r.status_code in (401, 403):
        try:
            message = r.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = r.text[:200]
        raise Denied(r.status_code, message)
    return r.status_code, r.text


class CkanClient:
    """Reads (retried here) and writes (one attempt; the executor re-plans and retries)."""

    def __init__(self, url: str, token: str | None, timeout: float, retry: RetryPolicy,
                 sleep: Callable[[float], None] = time.sleep, remote: Any = None) -> None:
        self.url, self.token, self.retry, self.sleep = url, token, retry, sleep
        self.timeout = timeout
        self.remote = remote or _Remote(url, apikey=token, user_agent="mpp-open-data-pipeline")
        self.write_calls = 0

    @property
    def shown_url(self) -> str:
        """The CKAN address as messages show it (no password)."""
        return redact_url(self.url)

    def scrub(self, text: str) -> str:
        """The text with the token and URL passwords replaced (error bodies may echo request headers)."""
        text = redact_text(text)
        return text.replace(self.token, "[token]") if self.token else text

    def read(self, action: str, data: dict[str, Any], subject: str = "") -> Any:
        """Call a read action, retrying transient failures; NotFound gives ``None``."""
        delays = self.retry.delays()
        while True:
            try:
                return self._call(action, data, None, subject)
            except ckanapi.NotFound:
                return None
            except Transient as exc:
                if not delays:
                    raise self.unreachable(action, exc) from None
                self.sleep(delays.pop(0))

    def write(self, action: str, data: dict[str, Any], files: dict[str, Any] | None = None,
              subject: str = "") -> Any:
        """Call a write action once (counted); Transient tells the caller to re-check and retry."""
        self.write_calls += 1
        return self._call(action, data, files, subject)

    def unreachable(self, action: str, exc: Exception) -> PushError:
        """The error once retries are used up."""
        return PushError(self.scrub(
            f"CKAN di {self.shown_url} tidak dapat dihubungi setelah {self.retry.attempts} percobaan "
            f"({action}: {exc}); jalankan push lagi, yang sudah terkirim tidak diulang. / "
            f"CKAN at {self.shown_url} could not be reached after {self.retry.attempts} attempts "
            f"({action}: {exc}); run push again, what was sent is not sent twice."))

    def _call(self, action: str, data: dict[str, Any], files: dict[str, Any] | None, subject: str) -> Any:
        """One HTTP call with every failure mapped to Transient, None-able NotFound or PushError."""
        try:
            return self.remote.call_action(action, data, files=files,
                                           requests_kwargs={"timeout": self.timeout})
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Transient(type(exc).__name__) from None
        except (ckanapi.SearchIndexError, ckanapi.SearchError) as exc:
            raise Transient(f"search index: {exc}") from None
        except (Denied, ckanapi.NotAuthorized) as exc:
            raise self.denied(action, getattr(exc, "status", 403), subject) from None
        except ckanapi.ValidationError as exc:
            raise PushError(self.scrub(validation_message(action, subject, exc.error_dict))) from None
        except ckanapi.NotFound:
            raise
        except ckanapi.CKANAPIError as exc:
            raise PushError(self.scrub(f"CKAN: {action} gagal / failed: {exc}"[:800])) from None
        except ckanapi.ServerIncompatibleError:
            raise PushError(f"{self.shown_url} tidak menjawab seperti API CKAN / does not answer like "
                            "a CKAN API (periksa / check CKAN_URL)") from None

    def denied(self, action: str, status: int, subject: str) -> PushError:
        """401/403: stop at once, naming the permission the token lacks (never the token)."""
        permission = PERMISSIONS.get(action, UPDATE_PERMISSION)
        where = f" ({subject})" if subject else ""
        return PushError(
            f"CKAN menolak {action}{where} (HTTP {status}): token di CKAN_API_TOKEN tidak sah atau "
            f"tidak punya izin {permission}. / CKAN refused {action}{where}: the token in "
            f"CKAN_API_TOKEN is not valid or lacks the permission {permission}.")


def validation_message(action: str, subject: str, error_dict: Any) -> str:
    """A CKAN ValidationError as one line naming the dataset and every field."""
    errors = error_dict if isinstance(error_dict, dict) else {"?": [str(error_dict)]}
    parts = []
    for key, value in errors.items():
        if key == "__type":
            continue
        text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        parts.append(f"field '{key}': {text}")
    return (f"CKAN menolak data / rejected the data ({action}) untuk dataset / for dataset "
            f"'{subject}': " + " | ".join(parts or ["(tanpa rincian / no details)"]))
