"""The CSV export leaves the private folder on the Android stand-in: MediaStore Downloads and
the share sheet at API 29, 31, 34 and 35; the app's external Documents folder at 26 and 28;
failures as plain OSError; and the pyjnius overload pitfalls the code steers around."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mobile.petasinyal_app import android_share
from mobile.petasinyal_app.android_share import export_and_share
from mobile.petasinyal_app.export import export_csv
from mobile.petasinyal_app.outbox import Outbox
from tests.mobile.standin.jnius import JavaException
from tests.mobile.standin.share_models import (
    ACTION_CHOOSER,
    ACTION_SEND,
    EXTRA_INTENT,
    EXTRA_STREAM,
    EXTRA_SUBJECT,
    FLAG_GRANT_READ_URI_PERMISSION,
    ShareDevice,
    share_android,
)

PACKAGE = "org.petasinyal.app"  # the plain Device's package


def _reading(i: int) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "device_id": "ponsel-1",
        "observed_at": f"2026-11-30T01:{i // 60:02d}:{i % 60:02d}.000Z",
        "lat": -0.95 + i / 10_000,
        "lon": 100.35,
        "accuracy_m": 5.0,
        "mock_location": False,
        "tech": "LTE",
        "mcc": "510",
        "mnc": "10",
        "operator": "Telkomsel",
        "rsrp_dbm": -95,
        "note": 'koma, dan "kutip"' if i == 0 else None,
    }


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "private" / "outbox.sqlite3")
    for i in range(120):
        box.add(_reading(i))
    yield box
    box.close()


@pytest.fixture
def expected(outbox: Outbox, tmp_path: Path) -> bytes:
    """The canonical CSV of the outbox (its bytes do not depend on the file name)."""
    return export_csv(outbox, tmp_path / "expected").read_bytes()


def _private(tmp_path: Path) -> Path:
    return tmp_path / "private" / "export"


def _shared(tmp_path: Path) -> Path:
    return tmp_path / "sdcard"


# -- API 29+: MediaStore Downloads and the share sheet ----------------------------------------


@pytest.mark.parametrize("api", [29, 31, 34, 35])
def test_csv_lands_in_downloads_and_the_share_sheet_opens(
    api: int, tmp_path: Path, outbox: Outbox, expected: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(android_share, "CHUNK", 1_000)  # several writes
    with share_android(api, _shared(tmp_path)) as device:
        where = export_and_share(outbox, _private(tmp_path))
    [(uri, entry)] = device.resolver.entries.items()
    assert uri == "content://media/external_primary/downloads/1001"
    name = entry.values["_display_name"]
    assert where == Path("Download/PetaSinyal") / name
    assert name.startswith("petasinyal-") and name.endswith(".csv")
    assert entry.values["relative_path"] == "Download/PetaSinyal"
    assert entry.values["mime_type"] == "text/csv"
    assert bytes(entry.data) == expected
    assert len(entry.writes) == -(-len(expected) // 1_000) and all(entry.writes)
    assert entry.closed and not entry.pending  # IS_PENDING 1 while written, then 0
    assert list(_private(tmp_path).iterdir()) == []  # the private copy is gone

    [chooser] = device.intents
    assert chooser.values["action"] == ACTION_CHOOSER
    send = chooser.values["extras"][EXTRA_INTENT][0]
    assert send.values["action"] == ACTION_SEND and send.values["type"] == "text/csv"
    stream, kind = send.values["extras"][EXTRA_STREAM]
    assert stream.values["text"] == uri and kind == "Landroid/os/Parcelable;"
    assert send.values["extras"][EXTRA_SUBJECT] == (name, "Ljava/lang/String;")
    assert send.values["flags"] & FLAG_GRANT_READ_URI_PERMISSION


def test_is_pending_is_put_as_a_boxed_integer(tmp_path: Path, outbox: Outbox) -> None:
    with share_android(34, _shared(tmp_path)) as device:
        export_and_share(outbox, _private(tmp_path))
    puts = [params for name, params in device.chosen if name == "put"]
    assert puts == [
        ("Ljava/lang/String;", "Ljava/lang/String;"),
        ("Ljava/lang/String;", "Ljava/lang/String;"),
        ("Ljava/lang/String;", "Ljava/lang/String;"),
        ("Ljava/lang/String;", "Ljava/lang/Integer;"),
        ("Ljava/lang/String;", "Ljava/lang/Integer;"),
    ]


def test_refused_insert_is_a_plain_oserror(tmp_path: Path, outbox: Outbox) -> None:
    with share_android(31, _shared(tmp_path)) as device:
        device.refuse_insert = True
        with pytest.raises(OSError, match=r"^Android tidak membuat berkas di folder Download$"):
            export_and_share(outbox, _private(tmp_path))
    assert device.resolver.entries == {} and device.intents == []
    assert list(_private(tmp_path).iterdir()) == []


def test_failed_write_leaves_no_half_file_in_downloads(
    tmp_path: Path, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(android_share, "CHUNK", 1_000)  # fails at the second chunk
    with share_android(35, _shared(tmp_path)) as device:
        device.write_error = "No space left on device"
        with pytest.raises(OSError) as caught:
            export_and_share(outbox, _private(tmp_path))
    assert str(caught.value) == (
        "Android menolak ekspor (java.io.IOException: No space left on device)"
    )
    assert device.resolver.entries == {} and device.intents == []
    assert ("android.content.ContentResolver", "delete") in device.calls


def test_a_share_sheet_that_cannot_open_keeps_the_export(
    tmp_path: Path, outbox: Outbox, expected: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with share_android(34, _shared(tmp_path)) as device:
        device.share_error = "No Activity found to handle Intent"
        where = export_and_share(outbox, _private(tmp_path))
    [entry] = device.resolver.entries.values()
    assert bytes(entry.data) == expected and not entry.pending
    assert where.parent == Path("Download/PetaSinyal")
    assert "ActivityNotFoundException" in caplog.text


# -- API 26-28: the app's external Documents folder, no MediaStore ---------------------------


@pytest.mark.parametrize("api", [26, 28])
def test_before_29_the_csv_goes_to_external_documents(
    api: int, tmp_path: Path, outbox: Outbox, expected: bytes
) -> None:
    with share_android(api, _shared(tmp_path)) as device:
        where = export_and_share(outbox, _private(tmp_path))
    documents = _shared(tmp_path) / "Android" / "data" / PACKAGE / "files" / "Documents"
    assert where.parent == documents and where.read_bytes() == expected
    assert [p.name for p in documents.iterdir()] == [where.name]  # no .part left
    assert list(_private(tmp_path).iterdir()) == []
    assert device.resolver.entries == {} and device.intents == []
    assert not [c for c in device.calls if "MediaStore" in c[0] or "ContentResolver" in c[0]]


def test_no_shared_storage_before_29_is_a_plain_oserror(tmp_path: Path, outbox: Outbox) -> None:
    with share_android(26, _shared(tmp_path)) as device:
        device.storage_mounted = False
        with pytest.raises(OSError, match=r"^penyimpanan ponsel tidak tersedia$"):
            export_and_share(outbox, _private(tmp_path))


def test_mediastore_downloads_does_not_exist_on_28(tmp_path: Path) -> None:
    with share_android(28, _shared(tmp_path)):
        from jnius import autoclass  # the stand-in

        with pytest.raises(JavaException) as caught:
            autoclass("android.provider.MediaStore$Downloads")
        assert caught.value.classname == "java.lang.ClassNotFoundException"
        columns = autoclass("android.provider.MediaStore$MediaColumns")
        assert columns.DISPLAY_NAME == "_display_name"
        with pytest.raises(AttributeError):
            columns.RELATIVE_PATH  # noqa: B018
        with pytest.raises(AttributeError):
            autoclass("android.provider.MediaStore").VOLUME_EXTERNAL_PRIMARY  # noqa: B018


def test_taking_the_29_path_on_28_fails(
    tmp_path: Path, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(android_share, "sdk_int", lambda: 29)
    with (
        share_android(28, _shared(tmp_path)),
        pytest.raises(OSError, match="ClassNotFoundException"),
    ):
        export_and_share(outbox, _private(tmp_path))


# -- the stand-in refuses what pyjnius 1.7 or Android would refuse ----------------------------


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[ShareDevice]:
    with share_android(34, _shared(tmp_path)) as device:
        yield device


def _download_uri() -> Any:
    from jnius import autoclass

    return autoclass("android.provider.MediaStore$Downloads").getContentUri("external_primary")


def test_a_python_int_matches_no_contentvalues_put(phone: ShareDevice) -> None:
    from jnius import autoclass

    values = autoclass("android.content.ContentValues")()
    with pytest.raises(JavaException, match="No methods called put"):
        values.put("is_pending", 1)


def test_a_bare_uri_for_put_extra_lands_on_the_string_overload(phone: ShareDevice) -> None:
    from jnius import autoclass

    intent = autoclass("android.content.Intent")("android.intent.action.SEND")
    with pytest.raises(JavaException, match=r"Invalid instance of 'android\.net\.Uri'"):
        intent.putExtra("android.intent.extra.STREAM", _download_uri())


def test_a_python_str_extra_lands_on_char_array(phone: ShareDevice) -> None:
    from jnius import autoclass

    intent = autoclass("android.content.Intent")("android.intent.action.SEND")
    intent.putExtra("android.intent.extra.SUBJECT", "petasinyal.csv")
    assert phone.chosen[-1] == ("putExtra", ("Ljava/lang/String;", "[C"))


def test_a_python_str_chooser_title_matches_nothing(phone: ShareDevice) -> None:
    from jnius import autoclass

    intent = autoclass("android.content.Intent")
    with pytest.raises(JavaException, match="No methods called createChooser"):
        intent.createChooser(intent("android.intent.action.SEND"), "Bagikan")


def test_a_file_uri_leaving_the_app_throws(phone: ShareDevice) -> None:
    from jnius import autoclass, cast

    intent_class = autoclass("android.content.Intent")
    send = intent_class(intent_class.ACTION_SEND)
    uri = autoclass("android.net.Uri").fromParts("file", "/sdcard/x.csv", None)
    send.putExtra(intent_class.EXTRA_STREAM, cast("android.os.Parcelable", uri))
    activity = autoclass("org.kivy.android.PythonActivity").mActivity
    with pytest.raises(JavaException) as caught:
        activity.startActivity(intent_class.createChooser(send, None))
    assert caught.value.classname == "android.os.FileUriExposedException"


def test_downloads_takes_only_the_download_folder(phone: ShareDevice) -> None:
    from jnius import autoclass

    values = autoclass("android.content.ContentValues")()
    values.put("relative_path", "Documents/PetaSinyal")
    resolver = autoclass("org.kivy.android.PythonActivity").mActivity.getContentResolver()
    with pytest.raises(JavaException, match=r"allowed directories are \[Download\]"):
        resolver.insert(_download_uri(), values)


def test_a_failed_copy_before_29_leaves_no_part_file(
    tmp_path: Path, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    fsync, calls = os.fsync, []

    def full(fd: int) -> None:  # the private export syncs; the copy does not
        calls.append(fd)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    with share_android(28, _shared(tmp_path)), pytest.raises(OSError, match="No space left"):
        export_and_share(outbox, _private(tmp_path))
    documents = _shared(tmp_path) / "Android" / "data" / PACKAGE / "files" / "Documents"
    assert list(documents.iterdir()) == [] and list(_private(tmp_path).iterdir()) == []
