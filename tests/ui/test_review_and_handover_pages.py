"""办结审核 shows what the office decides on (note, evidence inline and as downloads, handovers with a
returned one flagged, dependants) and closes only after a confirmation; 交接 shows a returned handover as
已退回 with who and why, draws the sign-off chain, and lists the items once."""
from __future__ import annotations

import io

from PIL import Image
from sqlmodel import select

from models.db import read_session
from models.services import handovers, tasks
from models.tables import HandoverStep
from tests import factories as f
from tests.ui.conftest import goto, login, texts, toasts


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _return_staff_handover(engine) -> None:  # type: ignore[no-untyped-def]
    ho = f.handover(engine, "staff")
    with read_session(engine) as s:
        step = s.exec(select(HandoverStep).where(HandoverStep.handover_id == ho.id,
                                                 HandoverStep.status == "pending").order_by(HandoverStep.seq)).first()
    handovers.reject_step(f.actor(engine, "chengguan"), handover_id=ho.id, step_id=step.id,
                          expected_version=ho.version, reason="名册少一人")


def test_review_page_shows_note_evidence_handovers_and_dependants_then_confirms(app_db):
    task = f.task(app_db, "三.1")  # the demo's staff handover belongs to it
    assert f.handover(app_db, "staff").task_id == task.id
    _return_staff_handover(app_db)
    task = tasks.report_done(f.actor(app_db, "zhujian"), task_id=task.id, expected_version=task.version,
                             note="划转名单已经县委编办审核", uploads=[tasks.Upload("现场照片.png", _png())])
    at = login("gaiban")
    goto(at, "review")
    page = texts(at)
    assert f"{task.code} {task.title}" in page
    assert "划转名单已经县委编办审核" in page  # the department's note
    assert any("现场照片.png" in c for img in at.get("image") for c in img.captions)  # the photo is shown inline
    assert any("现场照片.png" in b.proto.label for b in at.get("download_button"))
    assert any("交接已被退回" in e.value and "名册少一人" in e.value for e in at.error)
    assert "等待本任务的后续任务" in page
    at.button(key=f"review_{task.id}_close").click().run()
    assert "将办结任务" in texts(at)
    assert f.task(app_db, task.code).status == "pending_review"  # nothing happens before the confirmation
    at.button(key=f"review_{task.id}_close_confirm").click().run()
    assert f.task(app_db, task.code).status == "done"
    assert f"任务 {task.code} 已办结" in toasts(at)


def test_returned_handover_reads_as_returned_with_its_chain(app_db):
    _return_staff_handover(app_db)
    at = login("gaiban")
    goto(at, "handovers")
    listing = at.dataframe[0].value
    staff = listing[listing["类型"] == "人员划转"].iloc[0]
    assert staff["状态"].startswith("已退回：接收方 县城市管理局") and "名册少一人" in staff["状态"]
    assert "办理中" not in staff["状态"] and "修改清单后重新确认" in staff["待确认"]
    ho = f.handover(app_db, "staff")
    at.selectbox(key="ho_pick").set_value(ho.id).run()
    chain = at.get("graphviz_chart")[0].proto.spec
    assert "已退回" in chain and "名册少一人" in chain and "->" in chain
    assert len([d for d in at.dataframe if "姓名" in d.value.columns]) == 1  # the items once (editor or table)


def test_new_handover_form_starts_with_no_units(app_db):
    at = login("gaiban")
    goto(at, "handovers")
    assert at.selectbox(key="new_ho_from").value is None and at.selectbox(key="new_ho_to").value is None


def test_staff_transfer_notice_offers_staff_handovers_only(app_db):
    at = login("bianban")
    goto(at, "notices")
    at.selectbox(key="doc_kind").set_value("staff-transfer").run()
    offered = at.selectbox(key="doc_handover").options
    assert offered and all(o.startswith("人员划转：") for o in offered)
    at.selectbox(key="doc_kind").set_value("establishment").run()
    assert all(o.startswith("编制划转：") for o in at.selectbox(key="doc_handover").options)
