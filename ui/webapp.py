"""The web server: Streamlit's ASGI app (``st.App``) around ``app.py`` with the session routes.

Run with ``streamlit run ui/webapp.py`` (``reform up`` does); ``streamlit run ui/app.py`` still serves the
pages, but without the cookie routes a reload signs the user out.
"""
from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from ui.components.registry import url_paths
from ui.routes import KnownPagesMiddleware, routes

app = st.App("app.py", routes=routes(), middleware=[Middleware(KnownPagesMiddleware, pages=url_paths)])
