"""Read models for the web app, one module per screen: aggregates computed in SQL so pages stay fast at
100 000 tasks. Pure queries (no writes, no Streamlit). Pages call them through ``ui.components.reads.read``,
which caches a result keyed by the function, the database, the arguments and ``common.data_stamp`` (the audit
chain head), so any audited change invalidates every cached view at once."""
