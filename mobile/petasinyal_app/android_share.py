"""The CSV export on the phone, taken out of the app's private folder (which only the app can
read, and which uninstalling wipes) so unsynced days are never kept in one place only.

On API 29+ the file goes to the public ``Download/PetaSinyal`` through ``MediaStore.Downloads``
(no storage permission needed) and the share sheet opens with its ``content://`` URI and a read
grant. On API 26-28 there is no ``MediaStore.Downloads`` and a ``file://`` URI in an intent
throws ``FileUriExposedException`` (API 24+), and a ``content://`` URI of our own would need a
``FileProvider``: the file goes to ``Android/data/<package>/files/Documents`` (no permission
needed since API 19), where the officer copies it over USB.

pyjnius details that matter here (pyjnius 1.7.0, the pinned recipe): an overloaded method is
picked by scoring the Python arguments, so ``ContentValues.put(key, 1)`` matches no overload
(a boxed ``java.lang.Integer`` is needed), a bare ``Uri`` for ``putExtra`` ties between the
object overloads and lands on ``putExtra(String, String)`` (``cast`` to ``Parcelable``), and
``bytes`` go to ``byte[]`` in one copy (``bytearray`` would be copied back after the call).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from mobile.petasinyal_app.export import export_csv
from mobile.petasinyal_app.outbox import Outbox
from mobile.petasinyal_app.sensors.android_context import autoclass, jnius, sdk_int

__all__ = ["CHUNK", "MIME_TYPE", "SUBFOLDER", "copy_to_documents", "export_and_share"]

log = logging.getLogger(__name__)

MIME_TYPE = "text/csv"
SUBFOLDER = "PetaSinyal"
CHUNK = 256 * 1024  # bytes per OutputStream.write call (one JNI byte[] copy each)


def export_and_share(outbox: Outbox, folder: Path) -> Path:
    """Write every reading as CSV in ``folder`` (private), then put it where the officer can
    reach it: Download/PetaSinyal plus the share sheet (API 29+), or the app's external
    Documents folder (API 26-28). Returns where the officer finds it; raises ``OSError``."""
    path = export_csv(outbox, Path(folder))
    java_error = jnius().JavaException
    try:
        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        if activity is None:
            raise OSError("aplikasi tidak sedang terbuka")
        if sdk_int() < 29:
            return copy_to_documents(activity, path)
        uri = _publish_download(activity, path)
        _share(activity, uri, path.name)
        return Path(_public_folder()) / path.name
    except java_error as error:
        name = getattr(error, "classname", None) or "Java"
        detail = getattr(error, "innermessage", None) or str(error)
        raise OSError(f"Android menolak ekspor ({name}: {detail})") from error
    finally:
        path.unlink(missing_ok=True)  # the private copy has done its job either way


def copy_to_documents(activity: Any, path: Path) -> Path:
    """API 26-28: copy ``path`` into the app's external Documents folder, atomically."""
    environment = autoclass("android.os.Environment")
    folder = activity.getExternalFilesDir(environment.DIRECTORY_DOCUMENTS)
    if folder is None:
        raise OSError("penyimpanan ponsel tidak tersedia")
    target = Path(folder.getAbsolutePath()) / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    try:
        with path.open("rb") as source, part.open("wb") as sink:
            while chunk := source.read(CHUNK):
                sink.write(chunk)
            sink.flush()
            os.fsync(sink.fileno())
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)
    return target


def _public_folder() -> str:
    return f"{autoclass('android.os.Environment').DIRECTORY_DOWNLOADS}/{SUBFOLDER}"


def _integer(value: int) -> Any:
    """A boxed ``java.lang.Integer``: pyjnius 1.7 matches no ``put(String, Integer)`` for a
    Python int (1.9 boxes it, but the recipe is 1.7)."""
    return autoclass("java.lang.Integer")(value)


def _publish_download(activity: Any, path: Path) -> Any:
    """API 29+: a pending MediaStore.Downloads entry, the bytes, then published; its URI."""
    store = autoclass("android.provider.MediaStore")
    columns = autoclass("android.provider.MediaStore$MediaColumns")
    collection = autoclass("android.provider.MediaStore$Downloads").getContentUri(
        store.VOLUME_EXTERNAL_PRIMARY
    )
    values = autoclass("android.content.ContentValues")()
    values.put(columns.DISPLAY_NAME, path.name)
    values.put(columns.MIME_TYPE, MIME_TYPE)
    values.put(columns.RELATIVE_PATH, _public_folder())
    values.put(columns.IS_PENDING, _integer(1))  # hidden from other apps until written
    resolver = activity.getContentResolver()
    uri = resolver.insert(collection, values)
    if uri is None:
        raise OSError("Android tidak membuat berkas di folder Download")
    try:
        _write(resolver, uri, path)
        done = autoclass("android.content.ContentValues")()
        done.put(columns.IS_PENDING, _integer(0))
        if resolver.update(uri, done, None, None) != 1:
            raise OSError("berkas di folder Download tidak dapat diselesaikan")
    except BaseException:
        _discard(resolver, uri)
        raise
    return uri


def _discard(resolver: Any, uri: Any) -> None:
    """Remove a half-written entry from Downloads (API 30+ would expire it after a week)."""
    try:
        resolver.delete(uri, None, None)
    except jnius().JavaException as error:
        log.warning("could not remove the unfinished export: %s", error)


def _write(resolver: Any, uri: Any, path: Path) -> None:
    stream = resolver.openOutputStream(uri)
    if stream is None:
        raise OSError("Android tidak membuka berkas di folder Download")
    try:
        with path.open("rb") as source:
            while chunk := source.read(CHUNK):  # bytes: one byte[] copy, no copy back
                stream.write(chunk, 0, len(chunk))
        stream.flush()
    finally:
        stream.close()


def _share(activity: Any, uri: Any, name: str) -> None:
    """Open the share sheet for ``uri`` with a read grant; the file is already saved, so a
    share sheet that cannot open is logged, not an export failure."""
    intent_class = autoclass("android.content.Intent")
    send = intent_class(intent_class.ACTION_SEND)
    send.setType(MIME_TYPE)
    send.putExtra(intent_class.EXTRA_STREAM, jnius().cast("android.os.Parcelable", uri))
    # a Java String: for a Python str pyjnius 1.7 ties putExtra(String, String) with
    # putExtra(String, char[]) and picks char[], which mail apps do not read as a subject
    send.putExtra(intent_class.EXTRA_SUBJECT, autoclass("java.lang.String")(name))
    send.addFlags(intent_class.FLAG_GRANT_READ_URI_PERMISSION)
    # the title is ignored for ACTION_SEND (API 29+ share sheet); None matches the
    # CharSequence parameter, where a Python str would match no overload in pyjnius 1.7
    chooser = intent_class.createChooser(send, None)
    try:
        activity.startActivity(chooser)  # from the activity: no FLAG_ACTIVITY_NEW_TASK
    except jnius().JavaException as error:
        log.warning("share sheet did not open: %s", getattr(error, "classname", error))
