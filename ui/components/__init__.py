"""Shared pieces of the web app: the session guard, the frame, tables with export, cached reads, charts."""
