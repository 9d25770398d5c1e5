"""The WSGI application gunicorn serves (``python -m pipeline intake`` sets the two folders)."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.intake.app import create_app

app = create_app(Path(os.environ.get("INTAKE_DATASETS", "datasets")), Path(os.environ.get("INTAKE_OUTPUT", "output")))
