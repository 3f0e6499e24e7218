"""Which pages exist and who may see them; ``ui/app.py`` builds the navigation from this list."""
from __future__ import annotations

from dataclasses import dataclass

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


PAGES: tuple[PageSpec, ...] = (
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
LOGIN = PageSpec("app_pages/login.py", "登录", ":material/login:", ())
CHANGE_PASSWORD = PageSpec("app_pages/change_password.py", "修改口令", ":material/key:", ())


def spec(path: str) -> PageSpec:
    return next(p for p in PAGES if p.path == path)


def pages_for(actor: Actor) -> list[PageSpec]:
    return [p for p in PAGES if p.allowed(actor)]
