"""One settings object for the whole product, read from ``REFORM_*`` environment variables.

Bad values fail at start-up with a message naming the variable, instead of surfacing later as an
obscure database or scheduling error.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """Raised with a readable message when the configuration is invalid."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFORM_", extra="ignore")

    home: Path = Field(default=Path("var"), description="Data directory: database, files, backups")
    database_url: str = Field(default="", description="SQLAlchemy URL; default SQLite in home")
    timezone: str = "Asia/Shanghai"

    # traffic lights (GUIDE §4)
    due_soon_days: int = Field(default=7, ge=0, le=90)
    yellow_behind_points: int = Field(default=10, ge=1, le=100)
    red_behind_points: int = Field(default=30, ge=1, le=100)
    supervision_after_red_days: int = Field(default=3, ge=1, le=60)
    interview_after_red_days: int = Field(default=10, ge=2, le=120)
    escalation_day_basis: str = Field(default="workdays", pattern="^(workdays|days)$",
                                      description="red days toward 督办/约谈 count working days or calendar days")

    # a fixed "today" for demonstrations, training and acceptance tests (empty: the office's real date)
    today_override: date | None = Field(default=None, alias="REFORM_TODAY")

    # accounts and sessions (issue 8)
    password_min_length: int = Field(default=12, ge=8, le=128)
    password_max_age_days: int = Field(default=90, ge=1, le=3650)
    lockout_threshold: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=30, ge=1, le=1440)
    session_idle_minutes: int = Field(default=30, ge=1, le=1440)
    session_max_hours: int = Field(default=12, ge=1, le=168)
    audit_retention_days: int = Field(default=365, ge=184)

    # files
    max_upload_mb: int = Field(default=20, ge=1, le=200)
    max_xml_part_mb: int = Field(default=32, ge=1, le=512)   # one XML part of a .docx/.xlsx, uncompressed
    # backups are signed (HMAC-SHA256) with a key kept outside the archive: this value, or the key file
    # (default REFORM_HOME/backup.key, created with mode 0600 at the first backup)
    backup_key: SecretStr | None = Field(default=None, min_length=32)
    backup_key_file: Path | None = None
    # a run record still "running" after this long belongs to a killed process (closed at start-up)
    stale_run_minutes: int = Field(default=60, ge=5, le=1440)
    # the worker process that parses uploads and imports (models/sandbox.py)
    parse_cpu_seconds: int = Field(default=20, ge=1, le=600)
    parse_wall_seconds: int = Field(default=30, ge=2, le=1200)
    parse_memory_mb: int = Field(default=1024, ge=256, le=16384)

    # notifications
    smtp_from: str = "reform-tracker@localhost"
    notify_retries: int = Field(default=1, ge=0, le=10,
                                description="Extra attempts within one run, only for answers (never a dead endpoint)")
    notify_max_attempts: int = Field(default=10, ge=1, le=100, description="Attempts before a delivery is given up")
    notify_timeout_s: float = Field(default=5.0, gt=0, le=120, description="Per-channel connect/read timeout")
    notify_workers: int = Field(default=8, ge=1, le=64, description="Concurrent deliveries")
    public_url: str = Field(default="http://localhost:8501", description="Address of the web app, for links")
    secret_key: str = Field(default="", description="Fernet key for channel secrets; default a key file in home")
    signoff_workdays: int = Field(default=2, ge=1, le=30, description="Working days to sign for a notice or alert")

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        if v and not v.startswith(("sqlite", "postgresql")):
            raise ValueError("只支持 sqlite:/// 或 postgresql+psycopg:// 地址 (only SQLite or PostgreSQL URLs)")
        if v.startswith("postgresql://") or v.startswith("postgres://"):
            v = "postgresql+psycopg://" + v.split("://", 1)[1]
        return v

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("须以 http:// 或 https:// 开头 (must be an http(s) URL)")
        return v.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _valid_tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"未知时区 {v!r} (unknown time zone)") from exc
        return v

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> Settings:
        if self.yellow_behind_points >= self.red_behind_points:
            raise ValueError("黄灯阈值必须小于红灯阈值 (yellow threshold must be below red)")
        if self.interview_after_red_days <= self.supervision_after_red_days:
            raise ValueError("约谈天数必须大于督办天数 (interview must come after supervision)")
        return self

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'reform.db').resolve()}"

    @property
    def files_dir(self) -> Path:
        return self.home / "files"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today in the office's time zone (never the machine's UTC date), or ``REFORM_TODAY``."""
        return self.today_override or datetime.now(self.tz).date()


def load_settings() -> Settings:
    """Build settings from the environment, turning validation errors into one readable message."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]).upper() if err["loc"] else "*"
            name = name if name.startswith("REFORM_") else "REFORM_" + name
            lines.append(f"{name}: {err['msg']}")
        raise SettingsError("配置错误 (invalid configuration):\n" + "\n".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
