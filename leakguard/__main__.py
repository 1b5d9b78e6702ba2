"""``python -m leakguard ...``: the same as the ``leakguard`` command."""

from leakguard.faces.cli import main

raise SystemExit(main())
