"""The view model without Kivy: what each state says, in both languages, the permission
screen's button, the Points list (sections, flagged with the reviewer's comment, rejected
with the reason), the track grown by new readings only, settings checks, the no-service
alert, the export, the colours' contrast and the English catalogue's coverage."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pytest

from mobile.petasinyal_app.i18n import _catalogue, say
from mobile.petasinyal_app.screens.palette import CARD, CLASS, INK, INK_SOFT, STATE, contrast
from mobile.petasinyal_app.sensors.facades import PermissionStatus
from tests.mobile.screens_support import Phone, in_service, no_service, unknown

HERE = (-0.3021, 100.3712)
APP = Path(__file__).resolve().parents[2] / "mobile" / "petasinyal_app"


@pytest.fixture
def phone(tmp_path: Path):
    p = Phone(tmp_path / "phone")
    yield p
    p.close()


def test_sim_cards_say_the_state_in_words(phone: Phone) -> None:
    phone.radio.sims = [in_service(0, -88), no_service(1)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    strong, none = phone.controller.survey()["sims"]
    assert (strong["kind"], strong["word"], strong["value"]) == (
        "strong",
        "Sinyal kuat",
        "\u221288 dBm",
    )
    assert strong["title"] == "SIM 1 · Telkomsel"
    assert (none["kind"], none["word"]) == ("noservice", "Tidak ada layanan")
    assert "NONE" not in repr(phone.controller.survey())
    phone.controller.set_language("en")
    phone.step(1)
    assert [s["word"] for s in phone.controller.survey()["sims"]] == ["Strong signal", "No service"]


@pytest.mark.parametrize(
    ("reason", "word"),
    [
        ("airplane", "Mode pesawat"),
        ("no_sim", "Tidak ada SIM"),
        ("radio_off", "Radio seluler mati"),
    ],
)
def test_unknown_sim_is_explained_not_a_blankspot(phone: Phone, reason: str, word: str) -> None:
    phone.radio.sims = [unknown(0, reason)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    (card,) = phone.controller.survey()["sims"]
    assert (card["kind"], card["word"]) == ("unknown", word)
    assert card["detail"] == "Tidak direkam, bukan blankspot"


def test_gps_states_in_words(phone: Phone) -> None:
    phone.radio.sims = [in_service(0, -95)]
    phone.step(1)
    gps = phone.controller.survey()["gps"]
    assert (gps["kind"], gps["word"]) == ("none", "Belum ada posisi GPS")
    assert not phone.controller.survey()["can_record"]
    phone.step(1, lat=HERE[0], lon=HERE[1], accuracy=120.0)
    gps = phone.controller.survey()["gps"]
    assert (gps["kind"], gps["word"]) == ("weak", "GPS kurang akurat")
    assert gps["detail"] == "Akurasi GPS 120 m, lebih buruk dari 50 m"
    phone.step(1, lat=HERE[0], lon=HERE[1])
    assert phone.controller.survey()["gps"]["word"] == "GPS siap"
    assert phone.controller.survey()["can_record"]
    phone.step(40)
    gps = phone.controller.survey()["gps"]
    assert (gps["word"], gps["detail"]) == ("Posisi GPS lama", "Posisi GPS sudah 40 detik")
    phone.controller.set_language("en")
    phone.step(0)
    assert phone.controller.survey()["gps"]["detail"] == "GPS position is 40 s old"
    phone.step(1, lat=HERE[0], lon=HERE[1], mock=True)
    assert phone.controller.survey()["gps"]["word"] == "Fake location (mock)"


def test_location_switched_off_says_so_instead_of_wait_outdoors(phone: Phone) -> None:
    phone.radio.sims = [in_service(0, -95)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    assert phone.controller.survey()["can_record"]
    phone.location.enabled = False  # the officer pulled down the quick settings
    phone.step(1)
    view = phone.controller.survey()
    assert (view["gps"]["kind"], view["gps"]["word"]) == ("none", "Lokasi ponsel mati")
    assert view["gps"]["detail"] == "Nyalakan Lokasi di pengaturan cepat ponsel"
    assert not view["can_record"]  # the last fix is still fresh, but no new one will come
    phone.location.enabled = True
    phone.step(1, lat=HERE[0], lon=HERE[1])
    assert phone.controller.survey()["gps"]["word"] == "GPS siap"


def test_permission_screen_asks_again_or_opens_settings(phone: Phone) -> None:
    phone.permissions.granted = PermissionStatus("none", False, True)
    phone.step(1)
    view = phone.controller.permission_view()
    assert view is not None and view["title"] == "Izin lokasi diperlukan"
    assert view["button"] == "IZINKAN"
    phone.permissions.next_answer = PermissionStatus("approximate", True, True)
    phone.controller.ask_permissions()
    phone.step(1)
    assert phone.permissions.asked == 1
    view = phone.controller.permission_view()
    assert view is not None and view["title"] == "Lokasi hanya perkiraan"
    phone.permissions.granted = PermissionStatus("approximate", True, True, can_ask=False)
    phone.step(1)
    view = phone.controller.permission_view()
    assert view is not None and view["button"] == "BUKA PENGATURAN"
    phone.controller.ask_permissions()
    assert phone.permissions.settings_opened == 1 and phone.permissions.asked == 1
    phone.permissions.granted = PermissionStatus("precise", True, True)
    phone.step(1)
    assert phone.controller.permission_view() is None


def test_alert_when_a_sim_enters_no_service_if_wanted(phone: Phone) -> None:
    phone.radio.sims = [in_service(0, -95)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    phone.radio.sims = [no_service(0)]
    phone.step(1)
    phone.step(1)  # still no service: no second alert
    assert len(phone.alerts) == 1
    phone.controller.save_settings(alert_no_service=False)
    phone.radio.sims = [in_service(0, -95)]
    phone.step(1)
    phone.radio.sims = [no_service(0)]
    phone.step(1)
    assert len(phone.alerts) == 1


def test_settings_checked_and_kept(phone: Phone) -> None:
    phone.step(1)
    assert not phone.controller.save_settings(interval_s="abc")
    assert phone.controller.message() == "Interval otomatis (detik): bukan angka"
    assert not phone.controller.save_settings(max_accuracy_m="1000")
    assert "harus antara 3 dan 500" in phone.controller.message()
    assert phone.controller.save_settings(interval_s="10", server_url="https://peta.example.id/")
    phone.step(1)
    assert phone.controller.settings_view()["values"]["interval_s"] == "10"
    again = Phone(phone.data_dir, phone.clock)  # a restarted app
    try:
        again.step(1)
        assert again.controller.settings.server_url == "https://peta.example.id"
    finally:
        again.close()


def test_enrol_needs_code_and_name_then_the_button_says_so(phone: Phone) -> None:
    phone.step(1)
    assert not phone.controller.enroll("", "Ani")
    assert phone.controller.message() == "Masukkan kode pendaftaran dari admin"
    assert not phone.controller.enroll("ABCD-1234", " ")
    phone.engine.outbox.set_meta("token", "t")  # what a successful enrolment leaves
    phone.engine.outbox.set_meta("device_name", "Redmi Note 12 - Ani")
    phone.step(1)
    view = phone.controller.settings_view()
    assert view["enrolled"] and view["enrol_button"] == "Ponsel terdaftar: Redmi Note 12 - Ani"


def test_points_list_sections_flags_comments_reasons(phone: Phone) -> None:
    phone.radio.sims = [in_service(0, -95)]
    phone.clock.now -= 86_400
    for i in range(3):
        phone.step(6, lat=HERE[0] + 0.001 * i, lon=HERE[1])
        phone.controller.record()
    outbox = phone.engine.outbox
    batch = outbox.next_batch()
    assert batch is not None
    a, b, c = (r["id"] for r in batch.readings)
    outbox.settle(
        batch.id,
        {
            "accepted": [a, b],
            "flagged": {a: ["impossible_jump"]},
            "rejected": [
                {
                    "id": c,
                    "problems": [
                        {"field": "rsrp_dbm", "reason": "-20 is outside -156..-31"},
                        {"field": "observed_at", "reason": "2026-09-21 is in the future"},
                    ],
                }
            ],
        },
    )
    outbox.save_uploads(
        [
            {
                "upload_id": batch.id,
                "state": "has_issues",
                "comment": "Ulangi dekat jembatan",
                "received_at": "2026-09-20T08:00:00Z",
                "reviewed_at": "2026-09-21T02:30:00Z",
            }
        ]
    )
    phone.clock.now += 86_400
    phone.step(6, lat=HERE[0], lon=HERE[1])
    phone.controller.record("pasar")
    rows = phone.controller.points_rows()
    kinds = [(r["viewclass"], r.get("text") or r["state_text"]) for r in rows]
    assert kinds == [
        ("PointHeader", "Hari ini"),
        ("PointRow", "Belum terkirim"),
        ("PointHeader", "Sebelumnya"),
        ("PointRow", "Ditolak"),
        ("PointRow", "Ditandai"),
        ("PointRow", "Ditandai"),  # same upload, reviewed as having issues
    ]
    assert rows[1]["detail"] == "Catatan: pasar"
    # the server's reasons are English: the officer reads them in the app's language
    assert rows[3]["detail"] == (
        "Alasan: RSRP di luar rentang; waktu di masa depan: periksa jam ponsel"
    )
    assert rows[5]["detail"] == (
        "posisi melompat\nPeninjau (21-09-2026 09:30 WIB): Ulangi dekat jembatan"
    )
    phone.controller.set_language("en")
    rows = phone.controller.points_rows()
    assert rows[5]["detail"].startswith("position jumped\nReviewer (21-09-2026 09:30 WIB)")
    assert rows[3]["detail"] == (
        "Reason: RSRP out of range; time is in the future: check the phone's clock"
    )


def test_points_list_pages_and_track_grows_by_new_readings(phone: Phone) -> None:
    phone.radio.sims = [in_service(0, -95), no_service(1)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    phone.controller.toggle_auto()
    for i in range(130):
        phone.step(5, lat=HERE[0] + 0.0001 * i, lon=HERE[1])
    total = phone.controller.snapshot["counts"]["pending"]
    assert total == 2 * 131
    c = phone.controller
    c.points.page = 100
    assert sum(r["viewclass"] == "PointRow" for r in c.points_rows()) == 100
    assert sum(r["viewclass"] == "PointRow" for r in c.points_rows(more=True)) == 200
    assert sum(r["viewclass"] == "PointRow" for r in c.points_rows(more=True)) == total
    assert c.points.exhausted
    rowid, dots = c.track_since(0)
    assert len(dots) == total and {d[2] for d in dots} == {"strong", "none"}
    assert dots[0][:2] == (0.0, 0.0)  # metres from the first reading
    assert c.track_since(rowid) == (rowid, [])
    phone.step(5, lat=HERE[0], lon=HERE[1])
    rowid2, new = c.track_since(rowid)
    assert len(new) == 2 and rowid2 > rowid
    rows = [r for r in c.points_rows() if r["viewclass"] == "PointRow"]  # the new ones on top
    assert len(rows) == total + 2 and rows[0]["when"] == rows[1]["when"]
    assert [p["_rowid"] for p in c.points.loaded[:2]] == [rowid2, rowid2 - 1]


def test_export_csv_writes_every_reading(phone: Phone) -> None:
    phone.radio.sims = [in_service(0, -95)]
    phone.step(1, lat=HERE[0], lon=HERE[1])
    phone.controller.record()
    phone.step(1)
    assert phone.controller.message() == "Tersimpan: 1 bacaan"
    phone.step(10)
    assert phone.controller.message() == ""  # the engine's success message went
    path = phone.controller.export_csv()
    assert path is not None and path.exists()
    with path.open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 1
    assert phone.controller.message().startswith("Diekspor ke ")
    phone.step(9)
    assert phone.controller.message().startswith("Diekspor ke ")
    phone.step(1)
    assert phone.controller.message() == ""  # and so does the screen's own, after ten seconds


def test_text_contrast_at_least_4_5_and_icons_3() -> None:
    for kind, card in CARD.items():
        assert contrast(card["ink"], card["bg"]) >= 4.5, kind
        assert contrast(STATE[kind]["mark"], STATE[kind]["fill"]) >= 4.5, kind
    for kind in ("strong", "none", "unknown", "noservice"):  # the icon's shape on its card
        assert contrast(STATE[kind]["fill"], CARD[kind]["bg"]) >= 3, kind
    # the weak triangle is light orange: its dark outline carries the shape
    assert contrast("#6b4500", CARD["weak"]["bg"]) >= 3
    for bg in ("#ffffff", "#f1f3f5", "#dde3ea", "#d5d9de"):
        assert contrast(INK, bg) >= 4.5 and contrast(INK_SOFT, bg) >= 4.5
    assert contrast("#ffffff", "#0b4f8a") >= 4.5 and contrast("#ffffff", "#2b2f36") >= 4.5
    assert contrast("#8b0a10", "#ffffff") >= 4.5  # flagged / rejected words
    # the track: the classes differ in lightness too, not only in hue
    assert contrast(CLASS["strong"], CLASS["weak"]) >= 1.5
    assert contrast(CLASS["weak"], CLASS["none"]) >= 2


def _msgids(path: Path) -> set[str]:
    """Source strings handed to the screens: messages, errors, tr()/say() arguments."""
    calls = {
        "RecordRefused",
        "SyncError",
        "SettingsError",
        "EnrolLinkError",
        "_message",
        "tr",
        "say",
        "_say",
    }
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            first = node.args[0]
            if name in calls and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                text = isinstance(key, ast.Constant) and key.value == "text"
                if text and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.add(value.value)
        words = {"CLASS_WORDS", "_STATES", "_FLAGS", "_REASONS", "_FIELD_WORDS", "STATE_WORDS"}
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Dict):
            continue
        if any(getattr(t, "id", None) in words for t in node.targets):
            found |= {
                v.value
                for v in node.value.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            }
    return {m for m in found if m.strip()}


@pytest.mark.parametrize(
    "module",
    [
        "controller.py",
        "enrol_link.py",
        "screens/points_list.py",
        "engine.py",
        "recorder.py",
        "settings.py",
        "sync.py",
        "villages.py",
    ],
)
def test_every_message_has_an_english_text(module: str) -> None:
    english = _catalogue("en")
    missing = sorted(_msgids(APP / module) - set(english))
    assert missing == []
    for msgid in _msgids(APP / module):  # same placeholders in both languages
        assert set(re.findall(r"{(\w+)", msgid)) == set(re.findall(r"{(\w+)", english[msgid]))


def test_say_keeps_going_when_placeholders_do_not_match() -> None:
    assert (
        say("Posisi GPS sudah {age:.0f} detik", "en", {"age": 12.4}) == "GPS position is 12 s old"
    )
    assert say("Posisi GPS sudah {age:.0f} detik", "en", {}) == "GPS position is {age:.0f} s old"
    assert say(
        "Tidak ada jawaban dari server; data aman di ponsel dan akan dikirim nanti", "en"
    ) == ("No answer from the server; the data is safe on the phone and will be sent later")


def test_the_view_model_does_not_import_kivy() -> None:
    tree = ast.parse((APP / "controller.py").read_text(encoding="utf-8"))
    modules = {
        (n.module if isinstance(n, ast.ImportFrom) else n.names[0].name) or ""
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
    }
    assert modules and not any(m.split(".")[0] == "kivy" for m in modules)


def test_campaign_chosen_by_name_from_the_servers_list(phone: Phone) -> None:
    phone.engine.outbox.set_meta(
        "campaigns", '[{"id": 4, "name": "Agam 2026"}, {"id": 9, "name": "Pasaman"}]'
    )
    phone.step(1)
    view = phone.controller.settings_view()
    assert view["campaigns"] == ["Semua", "Agam 2026", "Pasaman"] and view["campaign"] == "Semua"
    phone.controller.set_campaign("Pasaman")
    phone.step(1)
    assert phone.engine.settings.campaign_id == 9
    assert phone.controller.settings_view()["campaign"] == "Pasaman"
    phone.controller.set_campaign("Semua")
    phone.step(1)
    assert phone.engine.settings.campaign_id is None


def test_with_the_service_the_screens_ask_first_then_start_it_once(tmp_path: Path) -> None:
    from mobile.petasinyal_app.controller import SurveyController
    from mobile.petasinyal_app.link import ServiceLink
    from tests.mobile.screens_support import HandPermissions

    permissions = HandPermissions(PermissionStatus("none", False, True))
    started: list[int] = []
    link = ServiceLink(tmp_path, permissions, lambda: started.append(1), lambda: None)
    controller = SurveyController(link, alert=lambda: None)
    controller.tick()  # no service yet, no snapshot: the permission facade answers
    view = controller.permission_view()
    assert view is not None and view["button"] == "IZINKAN" and started == []
    permissions.next_answer = PermissionStatus("precise", True, True)
    controller.ask_permissions()
    controller.tick()
    controller.tick()
    assert controller.permission_view() is None and started == [1]
    assert controller.survey()["service"] == "Memulai survei…"
    link.outbox.close()
