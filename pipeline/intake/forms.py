"""The service's forms (Flask-WTF: every form carries and checks a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

AUTO = "auto"


class LoginForm(FlaskForm):
    """User name and password."""

    username = StringField("username", validators=[DataRequired(), Length(max=40)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])


class UploadForm(FlaskForm):
    """The month, the table (or recognise it), the file; the agency only for the data officer."""

    # Checked by the view: a clerk's agency is their own, whatever the request says.
    agency = SelectField("agency", validate_choice=False)
    period = SelectField("period", validate_choice=True)
    table = SelectField("table", choices=[AUTO, "agendas", "decisions", "performance"], validate_choice=True)
    file = FileField("file", validators=[FileRequired()])


class LogoutForm(FlaskForm):
    """Signing out is a POST with its token, so that another site cannot sign a clerk out."""
