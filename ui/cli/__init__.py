"""`reform` — the command-line entrypoint (命令行工具). Each command's docstring is its help text.

Commands only parse arguments, call services and map errors: a service error prints its Chinese
message and exits with code 2; nothing here holds business rules. One module per command group
(``db``, ``demo``, ``user``, ``task``, ``audit``, ``plan``, ``notice``, …) holds its commands as plain
functions; ``ui/cli/app.py`` registers them on the typer application.
"""
from __future__ import annotations

from ui.cli.app import app, main

__all__ = ["app", "main"]
