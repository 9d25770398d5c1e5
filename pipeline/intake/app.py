"""The intake web service (Flask): clerks sign in, upload their agency's files, read the verdict, get a receipt.

Pages are rendered with the project's one Jinja environment (``pipeline.core.templating``)
from ``site_templates/intake/``, Indonesian first with an English switch, with the public
site's stylesheet; no JavaScript, and a Content-Security-Policy that allows no inline script
or style.  Run it with ``python -m pipeline intake`` (gunicorn on 127.0.0.1).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers.response import Response as BaseResponse

from pipeline.core import periods, templating
from pipeline.core.config import Portal, load_portal
from pipeline.core.models import TABLES
from pipeline.core.obligations import collection_start
from pipeline.intake import accounts
from pipeline.intake.db import connect, secret_key
from pipeline.intake.forms import AUTO, LoginForm, LogoutForm, UploadForm
from pipeline.intake.uploads import Upload, find, history, record_upload, which_table
from pipeline.publish.feedback import STATUS_LABELS, TABLE_LABELS
from pipeline.publish.feedback import shown_problems as shown
from pipeline.store import Store

TEMPLATES = templating.SITE_TEMPLATES / "intake"
STATIC = templating.SITE_TEMPLATES / "static"
POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
          "frame-ancestors 'none'")
# The request body may hold one file of max_file_mb plus the form's other fields.
FORM_OVERHEAD = 64 * 1024
UPLOAD_MONTHS = 12  # how many months back a clerk may send files for


class User(accounts.Account):
    """An account as Flask-Login wants it."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """The id kept in the session."""
        return str(self.id)


def create_app(datasets: Path, output: Path) -> Flask:
    """The service for one datasets folder and output folder."""
    portal = load_portal(datasets, output)
    app = Flask(__name__, static_folder=None)
    with _connection(portal) as conn:
        key = secret_key(conn)
    app.config.update(
        SECRET_KEY=key,
        MAX_CONTENT_LENGTH=portal.limits.max_file_bytes + FORM_OVERHEAD,
        SESSION_COOKIE_NAME="mpp_intake",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        # Secure whenever clerks reach the service over https (production, behind nginx). The
        # settings allow plain http only on this machine, where a Secure cookie would never be
        # sent back by the browser.
        SESSION_COOKIE_SECURE=portal.intake.secure,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    app.extensions["portal"] = portal
    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "login"

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        found = accounts.get(_db(), int(user_id))
        return None if found is None or found.disabled else User(**found.__dict__)

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    env = templating.environment(TEMPLATES)
    env.globals.update(tables=TABLE_LABELS, statuses=STATUS_LABELS)
    assets = {name: (STATIC / name).read_bytes() for name in ("site.css", "favicon.svg")}
    assets["intake.css"] = (TEMPLATES / "intake.css").read_bytes()

    def page(template: str, status: int = 200, **context: Any) -> Response:
        lang = _lang()
        body = env.get_template(template).render(
            lang=lang, portal=portal, user=current_user if current_user.is_authenticated else None,
            csrf_token=generate_csrf(), switch=_switch(lang), **context)
        return Response(body, status=status, mimetype="text/html")

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_appcontext
    def close(_: BaseException | None) -> None:
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    @app.get("/assets/<name>")
    def asset(name: str) -> Response:
        if name not in assets:
            abort(404)
        response = Response(assets[name], mimetype="image/svg+xml" if name.endswith(".svg") else "text/css")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @app.get("/")
    def home() -> BaseResponse:
        return redirect(url_for("upload" if current_user.is_authenticated else "login"))

    @app.route("/login", methods=["GET", "POST"], endpoint="login")
    def login_page() -> BaseResponse:
        form = LoginForm()
        message = None
        status = 200
        if form.validate_on_submit():
            result = accounts.sign_in(_db(), form.username.data or "", form.password.data or "",
                                      request.remote_addr or "", datetime.now(portal.tz))
            if isinstance(result, accounts.Account):
                session.clear()
                login_user(User(**result.__dict__))
                return redirect(url_for("upload"))
            message, status = result, (429 if result == "rate-limited" else 200)
        return page("login.html", status, form=form, message=message)

    @app.post("/logout")
    def logout() -> BaseResponse:
        if LogoutForm().validate_on_submit():
            logout_user()
            session.clear()
        return redirect(url_for("login"))

    @app.get("/lang/<lang>")
    def switch_lang(lang: str) -> BaseResponse:
        session["lang"] = "en" if lang == "en" else "id"
        back = request.args.get("next", "/")
        return redirect(back if back.startswith("/") and not back.startswith("//") else "/")

    @app.route("/upload", methods=["GET", "POST"])
    @login_required
    def upload() -> BaseResponse:
        user: User = current_user
        form = UploadForm()
        agencies = _agencies(portal)
        form.agency.choices = sorted(agencies) if user.is_officer else [user.agency or ""]
        form.period.choices = _periods(portal)
        if request.method == "POST" and not user.is_officer and request.form.get("agency", user.agency) != user.agency:
            # A clerk sends files for their own agency only, whatever the request says.
            abort(403)
        message = None
        if form.validate_on_submit() and (not user.is_officer or form.agency.data in agencies):
            agency = form.agency.data if user.is_officer else user.agency
            data = form.file.data.read()
            table = form.table.data
            if table == AUTO:
                table = which_table(portal, data, _format(data))
            if table is None:
                message = "choose-table"
            else:
                done = record_upload(portal, _db(), user.username, agency or "", form.period.data or "", table, data,
                                     form.file.data.filename or "", datetime.now(portal.tz),
                                     request.remote_addr or "")
                return redirect(url_for("receipt", upload_id=done.id))
        return page("upload.html", 400 if request.method == "POST" else 200, form=form, message=message,
                    agencies=agencies, recent=history(_db(), None if user.is_officer else user.agency)[:10])

    @app.get("/templates/<table>.xlsx")
    @login_required
    def agency_template(table: str) -> Response:
        from pipeline.publish.agency_templates import agency_kits, submitted_schema, xlsx_template
        from pipeline.validate import load_reference

        user: User = current_user
        agency = request.args.get("agency", "") if user.is_officer else (user.agency or "")
        reference = load_reference(portal)
        kits = {k.code: k for k in agency_kits(reference.agencies.values(), reference.services.values())}
        if table not in TABLES or agency not in kits:
            abort(404)
        data = xlsx_template(table, submitted_schema(portal, table), kits[agency])
        response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers["Content-Disposition"] = f'attachment; filename="{agency}-{table}.xlsx"'
        return response

    @app.get("/receipt/<int:upload_id>")
    @login_required
    def receipt(upload_id: int) -> Response:
        found = _visible(upload_id)
        return page("receipt.html", upload=found, agency_name=_agencies(portal).get(found.agency, found.agency),
                    problems=_problems(found))

    @app.get("/history")
    @login_required
    def history_page() -> Response:
        user: User = current_user
        return page("history.html", uploads=history(_db(), None if user.is_officer else user.agency),
                    agencies=_agencies(portal))

    @app.get("/checklist")
    @login_required
    def checklist_page() -> Response:
        from pipeline.intake.checklist import checklist

        user: User = current_user
        if not user.is_officer:
            abort(403)
        today = portal.today()
        period = request.args.get("period") or periods.last_ended(today)
        if period not in _periods(portal):
            abort(404)
        return page("checklist.html", check=checklist(portal, period, today), choices=_periods(portal))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return page("error.html", 400, code="csrf")

    @app.errorhandler(413)
    def too_large(error: Exception) -> Response:
        return page("error.html", 413, code="too-large", limit=portal.limits.max_file_mb)

    @app.errorhandler(403)
    def forbidden(error: Exception) -> Response:
        return page("error.html", 403, code="forbidden")

    @app.errorhandler(404)
    def not_found(error: Exception) -> Response:
        return page("error.html", 404, code="not-found")

    return app


def _db() -> sqlite3.Connection:
    """This request's database connection."""
    if "db" not in g:
        from flask import current_app

        g.db = connect(current_app.extensions["portal"].output)
    conn: sqlite3.Connection = g.db
    return conn


@contextmanager
def _connection(portal: Portal) -> Iterator[sqlite3.Connection]:
    conn = connect(portal.output)
    try:
        yield conn
    finally:
        conn.close()


def _lang() -> str:
    """The page language: Indonesian unless the visitor switched to English."""
    return "en" if session.get("lang") == "en" else "id"


def _switch(lang: str) -> dict[str, str]:
    """The link to the other language, back to this page."""
    other = "id" if lang == "en" else "en"
    return {"url": url_for("switch_lang", lang=other, next=request.full_path.rstrip("?")), "lang": other,
            "name": "Bahasa Indonesia" if other == "id" else "English"}


def _agencies(portal: Portal) -> dict[str, str]:
    """Agency code -> name, from agencies.csv (active agencies)."""
    from pipeline.validate import load_reference

    return {code: a.name for code, a in load_reference(portal).agencies.items() if a.active}


def _periods(portal: Portal) -> list[str]:
    """The months a file may be sent for: this month and the ones before, newest first, from start_period."""
    this = periods.of_date(portal.today())
    first = periods.shift(this, -(UPLOAD_MONTHS - 1))
    start = collection_start(portal.start_period, Store.load(portal.output / "store").first_period())
    if start and start > first:
        first = min(start, this)
    return list(reversed(periods.span(first, this)))


def _format(data: bytes) -> str:
    from pipeline.intake.recognise import detect_format

    return detect_format(data)


def _visible(upload_id: int) -> Upload:
    """An upload the signed-in user may see (404 otherwise: another agency's uploads do not exist for a clerk)."""
    user: User = current_user
    found = find(_db(), upload_id)
    if found is None or (not user.is_officer and found.agency != user.agency):
        abort(404)
    return found


def _problems(upload: Upload) -> list[dict[str, Any]]:
    """The report's errors then warnings, as the feedback pages show them."""
    return [dict(p, kind="error") for p in shown(upload.report.get("errors", []))] + \
        [dict(p, kind="warning") for p in shown(upload.report.get("warnings", []))]


__all__ = ["create_app"]
