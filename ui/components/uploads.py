"""The upload limit in Chinese: Streamlit's own refusal (``server.maxUploadSize``) is an English line or a
bare red icon, so ``.streamlit/config.toml`` lets the browser send a little more than the product's limit
(``REFORM_MAX_UPLOAD_MB``) and the page says here, in Chinese, which file is too large. The services check
the size again (``models.filesafety``)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from models.settings import get_settings


def upload_limit_mb() -> int:
    return get_settings().max_upload_mb


def too_large(files: Sequence[Any]) -> list[str]:
    """Names of the chosen files over the limit, each reported with its size; an empty list when all fit."""
    limit = upload_limit_mb() * 1024 * 1024
    over = [f for f in files if f.size > limit]
    for f in over:
        st.error(f"文件“{f.name}”大小为 {f.size / 1024 / 1024:.1f} MB，超过 {upload_limit_mb()} MB 的上限，"
                 "请压缩或拆分后重新选择。")
    return [f.name for f in over]
