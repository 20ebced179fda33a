"""Models of what the CSV export calls: MediaStore.Downloads, ContentResolver, OutputStream,
the app's external files folder and the share sheet, plus pyjnius 1.7's overload choice.

Registered the way :mod:`tests.mobile.standin.service_models` adds its classes: class specs
(each with the API level it was added in, from the Android API reference) go into
:data:`~tests.mobile.standin.table.CLASSES`, and :class:`ShareDevice` (a :class:`Device`)
gives the peers. ``with share_android(api=31, storage=tmp) as device:`` installs the strict
``jnius`` for the block.

The core stand-in has one entry per method name. For the overloaded methods the export calls,
:data:`OVERLOADS` lists the Java signatures and :func:`pick` chooses one as pyjnius 1.7.0 does
(``calculate_score`` in ``jnius_utils.pxi``, then the highest ``(score, signature)``; then
``populate_args`` refuses a Java object not assignable to the chosen parameter). So the
pitfalls fail here as on the phone: a Python int for ``ContentValues.put`` matches no
overload, a bare ``Uri`` for ``putExtra`` lands on ``putExtra(String, String)``, a Python str
for ``putExtra`` lands on ``putExtra(String, char[])``, a str title for ``createChooser``
matches nothing. What Android enforces is enforced: ``MediaStore.Downloads`` and
``RELATIVE_PATH``/``IS_PENDING`` from API 29, only ``Download/`` in the Downloads collection,
a ``file://`` URI leaving the app throws ``FileUriExposedException`` (API 24+).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests.mobile.standin import installed
from tests.mobile.standin.device import Device, _Context, _Peer, _Statics
from tests.mobile.standin.jnius import (
    JavaException,
    JavaObject,
    PythonJavaClass,
    _lineage,
    is_a,
)
from tests.mobile.standin.table import CLASSES, ClassSpec, Field
from tests.mobile.standin.table import Method as M

__all__ = ["OVERLOADS", "Entry", "ShareDevice", "pick", "share_android"]

_CTX = "android.content.Context"
_INTENT = "android.content.Intent"
_RESOLVER = "android.content.ContentResolver"
_URI = "android.net.Uri"
_VALUES = "android.content.ContentValues"
_STREAM = "java.io.OutputStream"
_DOWNLOADS = "android.provider.MediaStore$Downloads"
_COLUMNS = "android.provider.MediaStore$MediaColumns"

ACTION_SEND = "android.intent.action.SEND"
ACTION_CHOOSER = "android.intent.action.CHOOSER"
EXTRA_STREAM = "android.intent.extra.STREAM"
EXTRA_SUBJECT = "android.intent.extra.SUBJECT"
EXTRA_INTENT = "android.intent.extra.INTENT"
EXTRA_TITLE = "android.intent.extra.TITLE"
FLAG_GRANT_READ_URI_PERMISSION = 0x00000001

# JNI descriptors of the parameter types
_S, _CS, _JURI, _JCV, _BUNDLE = (
    "Ljava/lang/String;",
    "Ljava/lang/CharSequence;",
    "Landroid/net/Uri;",
    "Landroid/content/ContentValues;",
    "Landroid/os/Bundle;",
)
_JINTENT = "Landroid/content/Intent;"

# (class declaring the overloads, method) -> [(API level, parameter descriptors)]
OVERLOADS: dict[tuple[str, str], list[tuple[int, tuple[str, ...]]]] = {
    (_VALUES, "put"): [
        (1, (_S, t))
        for t in (
            _S,
            "Ljava/lang/Byte;",
            "Ljava/lang/Short;",
            "Ljava/lang/Integer;",
            "Ljava/lang/Long;",
            "Ljava/lang/Float;",
            "Ljava/lang/Double;",
            "Ljava/lang/Boolean;",
            "[B",
        )
    ],
    (_INTENT, "putExtra"): [
        (1, (_S, t))
        for t in (
            *"ZBCSIJFD",
            _S,
            _CS,
            "Landroid/os/Parcelable;",
            "[Landroid/os/Parcelable;",
            "Ljava/io/Serializable;",
            *("[" + p for p in "ZBSCIJFD"),
            "[Ljava/lang/String;",
            "[Ljava/lang/CharSequence;",
            _BUNDLE,
        )
    ],
    (_INTENT, "createChooser"): [
        (1, (_JINTENT, _CS)),
        (22, (_JINTENT, _CS, "Landroid/content/IntentSender;")),
    ],
    (_CTX, "startActivity"): [(1, (_JINTENT,)), (16, (_JINTENT, _BUNDLE))],
    (_RESOLVER, "insert"): [(1, (_JURI, _JCV)), (30, (_JURI, _JCV, _BUNDLE))],
    (_RESOLVER, "update"): [
        (1, (_JURI, _JCV, _S, "[Ljava/lang/String;")),
        (30, (_JURI, _JCV, _BUNDLE)),
    ],
    (_RESOLVER, "delete"): [(1, (_JURI, _S, "[Ljava/lang/String;")), (30, (_JURI, _BUNDLE))],
    (_RESOLVER, "openOutputStream"): [(1, (_JURI,)), (1, (_JURI, _S))],
    (_STREAM, "write"): [(1, ("I",)), (1, ("[B",)), (1, ("[B", "I", "I"))],
    (_DOWNLOADS, "getContentUri"): [(29, (_S,)), (30, (_S, "J"))],
}

CONSTRUCTORS: dict[str, list[tuple[int, tuple[str, ...]]]] = {
    "java.lang.Integer": [(1, ("I",)), (1, (_S,))],
    "java.lang.String": [(1, ()), (1, (_S,)), (1, ("[C",)), (1, ("[B",))],
    _VALUES: [(1, ()), (1, ("I",)), (1, (_JCV,))],
}


def _score_one(wanted: str, arg: Any) -> int:
    """One parameter of pyjnius 1.7's ``calculate_score``; -1: this overload cannot take it."""
    if wanted == "Z":
        return 10 if isinstance(arg, bool) else -1
    if wanted in "BSIJ":
        return 10 if isinstance(arg, int) else 5 if isinstance(arg, float) and wanted != "B" else -1
    if wanted == "C":
        return 10 if isinstance(arg, str) and len(arg) == 1 else -1
    if wanted in "FD":
        return 10 if isinstance(arg, float) else 5 if isinstance(arg, int) else -1
    if arg is None:
        return 10
    if wanted.startswith("L"):
        name = wanted[1:-1]
        if name == "java/lang/String" and isinstance(arg, str):
            return 10
        if name == "java/lang/Object":
            if isinstance(arg, JavaObject | PythonJavaClass):
                return 10
            return 5 if isinstance(arg, str | list | tuple | int | float) else -1
        if isinstance(arg, JavaObject):
            return 10 if arg._declared.replace(".", "/") == name else 5
        if isinstance(arg, PythonJavaClass) or callable(arg):
            return 1
        return -1
    # arrays
    if (wanted == "[B" and isinstance(arg, bytes | bytearray)) or (
        wanted == "[C" and isinstance(arg, str)
    ):
        return 10
    if isinstance(arg, list | tuple):  # an empty list adds nothing; a mismatch refuses
        if not arg:
            return 0
        return 10 if all(_score_one(wanted[1:], a) > 0 for a in arg) else -1
    return -1


def _score(params: tuple[str, ...], args: tuple[Any, ...]) -> int:
    if len(params) != len(args):
        return -1
    score = 10
    for wanted, arg in zip(params, args, strict=True):
        one = _score_one(wanted, arg)
        if one < 0:
            return -1
        score += one
    return score


def pick(
    owner: str, name: str, overloads: list[tuple[int, tuple[str, ...]]], api: int, args: tuple
) -> tuple[str, ...]:
    """The overload pyjnius 1.7 calls for ``args``, or its JavaException."""
    scored = []
    for level, params in overloads:
        if level > api:
            continue
        score = _score(params, args)
        if score > 0:
            scored.append((score, f"({''.join(params)})", params))
    if not scored:
        raise JavaException(
            f"No methods called {name} in {owner} matching your arguments, requested: {args!r}",
            "jnius.JavaException",
        )
    params = max(scored)[2]
    for wanted, arg in zip(params, args, strict=True):  # populate_args: check_assignable_from
        if (
            isinstance(arg, JavaObject)
            and wanted.startswith("L")
            and wanted != "Ljava/lang/Object;"
        ):
            target = wanted[1:-1].replace("/", ".")
            if arg._declared != target and not is_a(arg._declared, target):
                raise JavaException(
                    f"Invalid instance of {arg._declared!r} passed for a {target!r}",
                    "jnius.JavaException",
                )
    return params


def _extend(name: str, **changes: Any) -> None:
    spec = CLASSES[name]
    merged = {
        "methods": {**spec.methods, **changes.pop("methods", {})},
        "fields": {**spec.fields, **changes.pop("fields", {})},
        "interfaces": tuple(dict.fromkeys(spec.interfaces + changes.pop("interfaces", ()))),
    }
    CLASSES[name] = replace(spec, **merged, **changes)


def _c(name: str, api: int, **kw: Any) -> ClassSpec:
    return ClassSpec(name, api, **kw)


def _register() -> None:
    _extend(_CTX, methods={"getExternalFilesDir": M(8, "java.io.File")})
    _extend(
        _RESOLVER,
        methods={
            "insert": M(1, _URI),
            "update": M(1, "int"),
            "delete": M(1, "int"),
            "openOutputStream": M(1, _STREAM),
        },
    )
    _extend(
        _INTENT,
        methods={
            "setType": M(1, _INTENT),
            "getType": M(1, "java.lang.String"),
            "putExtra": M(1, _INTENT),
            "createChooser": M(1, _INTENT, static=True),
        },
        fields={
            "ACTION_SEND": Field(1, ACTION_SEND),
            "ACTION_CHOOSER": Field(1, ACTION_CHOOSER),
            "EXTRA_STREAM": Field(1, EXTRA_STREAM),
            "EXTRA_SUBJECT": Field(1, EXTRA_SUBJECT),
            "EXTRA_INTENT": Field(1, EXTRA_INTENT),
            "EXTRA_TITLE": Field(1, EXTRA_TITLE),
            "FLAG_GRANT_READ_URI_PERMISSION": Field(1, FLAG_GRANT_READ_URI_PERMISSION),
        },
    )
    _extend(_URI, interfaces=("android.os.Parcelable",))
    _extend("java.lang.String", constructible=True)
    for spec in [
        _c("android.os.Parcelable", 1, kind="interface"),
        _c("java.lang.Integer", 1, constructible=True, methods={"intValue": M(1, "int")}),
        _c("java.io.File", 1, methods={"getAbsolutePath": M(1, "java.lang.String")}),
        _c(_STREAM, 1, kind="abstract", methods={"write": M(1), "flush": M(1), "close": M(1)}),
        _c(_VALUES, 1, constructible=True, methods={"put": M(1)}),
        _c(
            "android.os.Environment",
            1,
            fields={
                "DIRECTORY_DOWNLOADS": Field(8, "Download"),
                "DIRECTORY_DOCUMENTS": Field(19, "Documents"),
            },
        ),
        _c(
            "android.provider.MediaStore",
            1,
            fields={
                "VOLUME_EXTERNAL": Field(29, "external"),
                "VOLUME_EXTERNAL_PRIMARY": Field(29, "external_primary"),
            },
        ),
        _c(
            _COLUMNS,
            1,
            kind="interface",
            fields={
                "DISPLAY_NAME": Field(1, "_display_name"),
                "MIME_TYPE": Field(1, "mime_type"),
                "RELATIVE_PATH": Field(29, "relative_path"),
                "IS_PENDING": Field(29, "is_pending"),
            },
        ),
        _c(
            "android.provider.MediaStore$DownloadColumns",
            29,
            kind="interface",
            interfaces=(_COLUMNS,),
        ),
        _c(
            _DOWNLOADS,
            29,
            interfaces=("android.provider.MediaStore$DownloadColumns",),
            methods={"getContentUri": M(29, _URI, static=True)},
        ),
    ]:
        CLASSES[spec.name] = spec


_register()


def _plain(value: Any) -> Any:
    """A peer argument as the Java side holds it (boxed numbers and Strings unwrapped)."""
    if isinstance(value, _Peer) and value.java_class in ("java.lang.Integer", "java.lang.String"):
        return value.values["value"]
    return value


@dataclass
class Entry:
    """One row of the MediaStore Downloads collection and the file behind it."""

    values: dict[str, Any]
    data: bytearray = field(default_factory=bytearray)
    writes: list[bool] = field(default_factory=list)  # IS_PENDING at each write
    closed: bool = False

    @property
    def pending(self) -> bool:
        return bool(int(self.values.get("is_pending", 0)))


class _Values(_Peer):
    def __init__(self, device: ShareDevice):
        super().__init__(_VALUES)
        self.device = device
        self.map: dict[str, Any] = {}
        self.types: dict[str, str] = {}

    def put(self, key: str, value: Any) -> None:
        self.map[key] = _plain(value)
        self.types[key] = self.device.chosen[-1][1][1]


class _Stream(_Peer):
    def __init__(self, device: ShareDevice, entry: Entry):
        super().__init__(_STREAM)
        self.device, self.entry = device, entry

    def write(self, data: Any, offset: int = 0, length: int | None = None) -> None:
        if self.entry.closed:
            raise JavaException("Stream Closed", "java.io.IOException")
        if self.device.write_error is not None and len(self.entry.data) > 0:
            raise JavaException(self.device.write_error, "java.io.IOException")
        data = bytes(data)
        end = len(data) if length is None else offset + length
        self.entry.data += data[offset:end]
        self.entry.writes.append(self.entry.pending)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.entry.closed = True


class _Resolver(_Peer):
    """MediaProvider, for the Downloads collection only."""

    def __init__(self, device: ShareDevice):
        super().__init__(_RESOLVER)
        self.device = device
        self.entries: dict[str, Entry] = {}
        self.next_id = 1000

    def _entry(self, uri: _Peer) -> Entry:
        entry = self.entries.get(uri.values["text"])
        if entry is None:
            raise JavaException(f"No item at {uri.values['text']}", "java.io.FileNotFoundException")
        return entry

    def insert(self, collection: _Peer, values: _Values) -> _Peer | None:
        where = collection.values["text"]
        if not where.endswith("/downloads"):
            raise JavaException(f"Unknown URL {where}", "java.lang.IllegalArgumentException")
        relative = str(values.map.get("relative_path", "Download/"))
        if relative.split("/")[0] != "Download":
            raise JavaException(
                f"Primary directory {relative.split('/')[0]} not allowed for {where}; "
                "allowed directories are [Download]",
                "java.lang.IllegalArgumentException",
            )
        if self.device.refuse_insert:
            return None
        self.next_id += 1
        uri = f"{where}/{self.next_id}"
        self.entries[uri] = Entry(dict(values.map))
        return _Peer(_URI, text=uri)

    def openOutputStream(self, uri: _Peer, mode: str = "w") -> _Stream:
        return _Stream(self.device, self._entry(uri))

    def update(self, uri: _Peer, values: _Values, where: Any, args: Any) -> int:
        entry = self.entries.get(uri.values["text"])
        if entry is None:
            return 0
        entry.values.update(values.map)
        return 1

    def delete(self, uri: _Peer, where: Any, args: Any) -> int:
        return 0 if self.entries.pop(uri.values["text"], None) is None else 1


class _ShareContext(_Context):
    def getContentResolver(self) -> _Resolver:
        return self.device.resolver

    def getExternalFilesDir(self, kind: str | None) -> _Peer | None:
        device = self.device
        if not device.storage_mounted:
            return None
        folder = device.storage / "Android" / "data" / device.package / "files"
        if kind is not None:
            folder = folder / kind
        folder.mkdir(parents=True, exist_ok=True)  # Android creates it
        return _Peer("java.io.File", AbsolutePath=str(folder))

    def startActivity(self, intent: _Peer, *options: Any) -> None:
        device = self.device
        for uri in _uris(intent):  # StrictMode for apps targeting 24+, as Android does
            if uri.startswith("file:") and device.api >= 24:
                raise JavaException(
                    f"{uri} exposed beyond app through Intent", "android.os.FileUriExposedException"
                )
        if device.share_error is not None:
            raise JavaException(device.share_error, "android.content.ActivityNotFoundException")
        device.intents.append(intent)
        super().startActivity(intent)


def _uris(intent: _Peer) -> Iterator[str]:
    if intent.values.get("data"):
        yield str(intent.values["data"])
    for value, _kind in intent.values.get("extras", {}).values():
        if isinstance(value, _Peer) and value.java_class == _URI:
            yield value.values["text"]
        if isinstance(value, _Peer) and value.java_class == _INTENT:
            yield from _uris(value)


class _ShareStatics(_Statics):
    device: ShareDevice

    def getContentUri(self, volume: str, *row: int) -> _Peer:
        if volume not in ("external", "external_primary", "internal"):
            raise JavaException(f"Unknown volume {volume}", "java.lang.IllegalArgumentException")
        return _Peer(_URI, text=f"content://media/{volume}/downloads")

    def createChooser(self, target: _Peer, title: Any, *sender: Any) -> _Peer:
        chooser = self.device.construct(_INTENT, ACTION_CHOOSER)
        chooser.values["extras"][EXTRA_INTENT] = (target, _JINTENT)
        chooser.values["extras"][EXTRA_TITLE] = (_plain(title), _CS)
        return chooser


class ShareDevice(Device):
    """A :class:`Device` with shared storage (under ``storage``) and a share sheet."""

    def __init__(self, api: int, storage: Path):
        super().__init__(api, [])
        self.storage = storage
        self.storage_mounted = True
        self.activity = _ShareContext(self, "org.kivy.android.PythonActivity")
        self.resolver = _Resolver(self)
        self.refuse_insert = False  # MediaProvider answers null
        self.write_error: str | None = None  # an IOException after the first chunk
        self.share_error: str | None = None  # startActivity throws
        self.intents: list[_Peer] = []  # what startActivity got
        self.chosen: list[tuple[str, tuple[str, ...]]] = []  # (method, overload) pyjnius took
        self.calls: list[tuple[str, str]] = []  # (declared class, method) of every call

    def statics(self, class_name: str) -> _ShareStatics:
        return _ShareStatics(self)

    def construct(self, class_name: str, *args: Any) -> Any:
        if class_name in CONSTRUCTORS:
            pick(class_name, "<init>", CONSTRUCTORS[class_name], self.api, args)
            plain = [_plain(a.peer if isinstance(a, JavaObject) else a) for a in args]
            if class_name == _VALUES:
                return _Values(self)
            return _Peer(class_name, value=(int if "Integer" in class_name else str)(*plain))
        intent = super().construct(class_name, *args)
        if class_name == _INTENT:
            extras: dict[str, tuple[Any, str]] = {}
            intent.values.update(type=None, extras=extras)

            def put_extra(name: str, value: Any) -> _Peer:
                extras[name] = (_plain(value), self.chosen[-1][1][1])
                return intent

            def set_type(kind: str) -> _Peer:
                intent.values["type"] = kind
                return intent

            intent.putExtra = put_extra  # type: ignore[attr-defined]
            intent.setType = set_type  # type: ignore[attr-defined]
            intent.getType = lambda: intent.values["type"]  # type: ignore[attr-defined]
        return intent


def _install_overloads(device: ShareDevice) -> None:
    """Route every call through pyjnius' overload choice where Java has overloads."""
    runtime = device.runtime
    call = runtime.call

    def choose(declared: str, peer: Any, name: str, method: Any, args: tuple[Any, ...]) -> Any:
        device.calls.append((declared, name))
        for spec in _lineage(declared):
            overloads = OVERLOADS.get((spec.name, name))
            if overloads is not None:
                device.chosen.append((name, pick(spec.name, name, overloads, device.api, args)))
                break
        return call(declared, peer, name, method, args)

    runtime.call = choose


@contextmanager
def share_android(api: int, storage: Path) -> Iterator[ShareDevice]:
    """Install the stand-in over a :class:`ShareDevice` for the block."""
    device = ShareDevice(api, storage)
    with installed(device):
        _install_overloads(device)
        yield device
