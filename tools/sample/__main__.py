"""``python -m tools.sample``: regenerate the sample (see tools/sample/__init__.py)."""

from tools.sample.cli import main

raise SystemExit(main())
