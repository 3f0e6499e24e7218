"""While the login form waits for the user, the browser fetches and compiles the code of the elements
the first page shows (tables, charts, metrics, the dependency graph, widgets).

Streamlit's front end loads each element's JavaScript module the first time the element appears and holds
the page back until all of them are there: in a fresh browser that was up to a third of the sign-in
(issue 17), with the 4.7 MB chart module compressed on the fly by the web process meanwhile. The login page
imports those modules when the browser is idle; the later import by Streamlit finds them in the module map
(the same URLs), and hashed file names are cached as immutable, so a returning user pays nothing. (Drawing
hidden instances of the elements instead made the sign-in slower: the browser then lays out and tears down
charts.)"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import streamlit as st

from ui.routes import base_path

# Streamlit's lazily loaded element modules used by the roles' first pages (static/js/<Name>.<hash>.js)
MODULES = ("PlotlyChart", "DataFrame", "GraphVizChart", "Metric", "DownloadButton", "Html", "Button", "PageLink",
           "Selectbox", "Multiselect", "DateInput", "NumberInput", "TextInput", "TextArea", "Checkbox", "Radio",
           "ButtonGroup", "Progress")

_SAFE_NAME = re.compile(r"^[A-Za-z]+\.[A-Za-z0-9_-]+\.js$")


@lru_cache(maxsize=1)
def module_files() -> tuple[str, ...]:
    """The installed Streamlit's file for each of ``MODULES`` (one per name; a name that is gone after an
    upgrade is left out: the page still loads it itself, only later)."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    found = (sorted(folder.glob(f"{name}.*.js")) for name in MODULES)
    return tuple(files[0].name for files in found if len(files) == 1 and _SAFE_NAME.match(files[0].name))


def preload_html() -> str:
    """Only the app's own values go in: file names of the installed Streamlit that match ``_SAFE_NAME``,
    JSON-quoted (tests/ui/test_access.py)."""
    urls = [f"{base_path()}/static/js/{name}" for name in module_files()]
    imports = "".join(f"import({json.dumps(u)}).catch(function () {{}});" for u in urls)
    return ("<script>(function () {"
            f"var go = function () {{ {imports} }};"
            "if (window.requestIdleCallback) { window.requestIdleCallback(go, {timeout: 1500}); }"
            " else { setTimeout(go, 300); }"
            "})();</script>")


def front_end() -> None:
    st.html(preload_html(), unsafe_allow_javascript=True)
