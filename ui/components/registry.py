"""Which pages exist and who may see them; ``ui/app.py`` builds the navigation from this list.

To add a page: one ``PageSpec`` line in ``PAGES`` (its URL is the file name: ``app_pages/x.py`` → ``/x``).
Every page's address is always registered, so a reload or a shared link never meets "Page not found":
signed out it shows the login form and returns there afterwards; without the permission the page's own
``guard`` refuses it in Chinese."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from models.services.actor import Actor
from models.services.permissions import has


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to ui/
    title: str
    icon: str
    permissions: tuple[str, ...]  # any of them opens the page

    def allowed(self, actor: Actor) -> bool:
        return any(has(actor, p) for p in self.permissions)

    @property
    def url_path(self) -> str:
        return PurePosixPath(self.path).stem


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/inbox.py", "我的待办", ":material/inbox:", ("task.report", "task.review")),
    PageSpec("app_pages/overview.py", "总览", ":material/dashboard:", ("dashboard.view",)),
    PageSpec("app_pages/tasks.py", "任务", ":material/task:", ("task.view",)),
    PageSpec("app_pages/my_unit.py", "本单位", ":material/apartment:", ("task.report",)),
    PageSpec("app_pages/handovers.py", "交接", ":material/swap_horiz:", ("handover.admin", "handover.confirm")),
    PageSpec("app_pages/notices.py", "公文", ":material/description:", ("notice.issue",)),
    PageSpec("app_pages/alerts.py", "预警与督办", ":material/notifications_active:", ("alert.manage",)),
    PageSpec("app_pages/review.py", "办结审核", ":material/fact_check:", ("task.review",)),
    PageSpec("app_pages/rankings.py", "考核排名", ":material/leaderboard:", ("ranking.view",)),
    # issue 18: everyday 督办 (requests, leader instructions, 条块互评)
    PageSpec("app_pages/requests.py", "延期与调整", ":material/event_repeat:", ("task.report", "task.admin")),
    PageSpec("app_pages/instructions.py", "领导批示", ":material/rate_review:",
             ("instruction.write", "task.report", "task.admin")),
    PageSpec("app_pages/evaluation.py", "条块互评", ":material/reviews:", ("task.report", "task.admin")),
    PageSpec("app_pages/import_plan.py", "导入", ":material/upload_file:", ("plan.import",)),
    PageSpec("app_pages/calendar.py", "工作日历", ":material/calendar_month:", ("holiday.manage",)),
    PageSpec("app_pages/admin.py", "系统", ":material/settings:", ("user.manage", "user.roles", "notice.agency")),
    PageSpec("app_pages/audit.py", "审计", ":material/policy:", ("audit.view",)),
)
START = "start"  # the URL path of whichever page a user starts on (served at /)
LOGIN = PageSpec("app_pages/login.py", "登录", ":material/login:", ())
CHANGE_PASSWORD = PageSpec("app_pages/change_password.py", "修改口令", ":material/key:", ())


def spec(path: str) -> PageSpec:
    return next(p for p in PAGES if p.path == path)


def pages_for(actor: Actor) -> list[PageSpec]:
    return [p for p in PAGES if p.allowed(actor)]


def home_for(actor: Actor, allowed: list[PageSpec]) -> PageSpec | None:
    """The page a user lands on: the first page of the role's work (the inbox is one click away)."""
    return next((p for p in allowed if p.url_path != "inbox"), allowed[0] if allowed else None)


def url_paths() -> list[str]:
    """Every address the app answers (the server sends any other single-segment path to the start page)."""
    return [p.url_path for p in (*PAGES, LOGIN, CHANGE_PASSWORD)]
