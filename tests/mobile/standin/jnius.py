"""A strict ``jnius`` module over the class table and a simulated :class:`Device`.

pyjnius semantics kept here: a method returns an object of its declared type (only a
``java.lang.Object`` return is resolved to the runtime class); methods of a subclass are
absent until ``cast``; classes, methods and fields above the device's API level are absent
(``autoclass`` raises ``JavaException``, attributes raise ``AttributeError``); a protected
call without its permission raises ``JavaException`` (``java.lang.SecurityException``);
``PythonJavaClass`` implements interfaces only.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, ClassVar

from tests.mobile.standin.table import CLASSES, PERMISSION_RULES, ClassSpec, Method

__all__ = ["JavaException", "JavaObject", "make_module", "runtime_class"]

_PRIMITIVES = {"void", "int", "long", "boolean", "float", "double"}


class JavaException(Exception):
    """As pyjnius raises it: the Java class of the exception in ``classname``."""

    def __init__(self, message: str, classname: str | None = None):
        super().__init__(message)
        self.classname = classname
        self.innermessage = message


def _lineage(name: str) -> list[ClassSpec]:
    """The class, its superclasses and interfaces (nearest first), then java.lang.Object."""
    seen: list[ClassSpec] = []
    todo = [name]
    while todo:
        spec = CLASSES[todo.pop(0)]
        if spec not in seen:
            seen.append(spec)
            todo.extend(spec.interfaces)
            if spec.superclass:
                todo.append(spec.superclass)
    if CLASSES["java.lang.Object"] not in seen:  # pyjnius adds Object's methods to interfaces
        seen.append(CLASSES["java.lang.Object"])
    return seen


def is_a(runtime: str, wanted: str) -> bool:
    return any(spec.name == wanted for spec in _lineage(runtime))


def runtime_class(peer: Any) -> str:
    if isinstance(peer, str):
        return "java.lang.String"
    return peer.java_class


class _Runtime:
    def __init__(self, device: Any):
        self.device = device

    def available(self, name: str) -> ClassSpec:
        spec = CLASSES.get(name)
        if spec is None or spec.api > self.device.api:
            raise JavaException(f"Class not found {name!r}", "java.lang.ClassNotFoundException")
        return spec

    def find(self, declared: str, attr: str, static: bool) -> Method | None:
        for spec in _lineage(declared):
            method = spec.methods.get(attr)
            if method is not None and (static is False or method.static):
                return (
                    method
                    if method.api <= self.device.api and spec.api <= self.device.api
                    else None
                )
        return None

    def check_permission(self, method: Method, name: str) -> None:
        if method.perm is None:
            return
        for group in PERMISSION_RULES[method.perm](self.device.api):
            if not group & self.device.granted:
                self.device.refused.append(name)  # tests assert none was ever made
                raise JavaException(
                    f"{name}: needs one of {sorted(group)}", "java.lang.SecurityException"
                )

    def check_params(self, method: Method, name: str, args: tuple[Any, ...]) -> None:
        for wanted, arg in zip(method.params or (), args, strict=False):
            if wanted in _PRIMITIVES or arg is None:
                continue
            if isinstance(arg, PythonJavaClass):
                ok = wanted in arg.java_interfaces()
            else:
                peer = arg.peer if isinstance(arg, JavaObject) else arg
                ok = is_a(runtime_class(peer), wanted)
            if not ok:
                raise JavaException(f"{name}: argument is not a {wanted}", "jnius.JavaException")

    def call(
        self, declared: str, peer: Any, name: str, method: Method, args: tuple[Any, ...]
    ) -> Any:
        self.check_permission(method, name)
        self.check_params(method, name, args)
        impl = getattr(peer, name, None)
        if impl is None:
            raise NotImplementedError(f"stand-in: {declared}.{name} is declared but not modelled")
        raw = impl(*[a.peer if isinstance(a, JavaObject) else a for a in args])
        return self.wrap(raw, method.returns)

    def wrap(self, raw: Any, declared: str) -> Any:
        if raw is None or declared in _PRIMITIVES:
            return raw
        if declared == "java.lang.String":
            return str(raw)
        if declared == "java.lang.Object":
            declared = runtime_class(raw)
        return JavaObject(self, raw, declared)


class JavaObject:
    """A Java object as pyjnius shows it: only the methods of its declared type."""

    def __init__(self, runtime: _Runtime, peer: Any, declared: str):
        self._runtime, self.peer, self._declared = runtime, peer, declared

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        method = self._runtime.find(self._declared, attr, static=False)
        if method is None:
            field = _field(self._runtime, self._declared, attr)
            if field is not _MISSING:
                return field
            raise AttributeError(f"{self._declared!r} object has no attribute {attr!r}")
        runtime, peer, declared = self._runtime, self.peer, self._declared
        return lambda *args: runtime.call(declared, peer, attr, method, args)

    def __repr__(self) -> str:
        return f"<{self._declared} at stand-in>"


_MISSING = object()


def _field(runtime: _Runtime, declared: str, attr: str) -> Any:
    for spec in _lineage(declared):
        field = spec.fields.get(attr)
        if field is not None:
            if field.api > runtime.device.api or spec.api > runtime.device.api:
                return _MISSING
            value = field.value
            if isinstance(value, str) and value.startswith("device:"):
                value = getattr(runtime.device, value.removeprefix("device:"))
                if hasattr(value, "java_class"):  # an object field: typed as its runtime class
                    value = JavaObject(runtime, value, runtime_class(value))
            return value
    return _MISSING


class _JavaClass:
    """What ``autoclass`` gives: static fields and methods, and the constructor."""

    def __init__(self, runtime: _Runtime, spec: ClassSpec):
        self._runtime, self._spec = runtime, spec

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        value = _field(self._runtime, self._spec.name, attr)
        if value is not _MISSING:
            return value
        method = self._runtime.find(self._spec.name, attr, static=True)
        if method is None:
            raise AttributeError(f"type object {self._spec.name!r} has no attribute {attr!r}")
        runtime, statics = self._runtime, self._runtime.device.statics(self._spec.name)
        return lambda *args: runtime.call(self._spec.name, statics, attr, method, args)

    def __call__(self, *args: Any) -> JavaObject:
        if not self._spec.constructible or self._spec.kind != "class":
            raise JavaException(
                f"{self._spec.name} cannot be instantiated here", "java.lang.InstantiationException"
            )
        peer = self._runtime.device.construct(self._spec.name, *args)
        return JavaObject(self._runtime, peer, self._spec.name)


class PythonJavaClass:
    """pyjnius' base for Python objects that implement Java *interfaces* (a proxy)."""

    __javainterfaces__: ClassVar[list[str]] = []
    __javacontext__ = "system"
    _device: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        device = type(self)._device
        for slashed in self.__javainterfaces__:
            name = slashed.replace("/", ".")
            spec = CLASSES.get(name)
            if spec is None or spec.api > device.api:
                raise JavaException(f"Class not found {name!r}", "java.lang.ClassNotFoundException")
            if spec.kind != "interface":  # java.lang.reflect.Proxy takes interfaces only
                raise JavaException(
                    f"{name} is not an interface", "java.lang.IllegalArgumentException"
                )
        self.java_class = "$Proxy"

    def java_interfaces(self) -> set[str]:
        return {name.replace("/", ".") for name in self.__javainterfaces__}

    def invoke(self, java_name: str, signature: str, *args: Any) -> Any:
        """What Java calls: the Python method registered for (name, signature), as pyjnius."""
        for attr in dir(type(self)):
            member = getattr(type(self), attr, None)
            if (
                getattr(member, "__javasignature__", None) == signature
                and member.__javaname__ == java_name
            ):
                return getattr(self, attr)(*args)
        raise NotImplementedError(f"The method {(java_name, signature)} is not implemented")


def java_method(signature: str, name: str | None = None) -> Callable[[Any], Any]:
    def mark(function: Any) -> Any:
        function.__javasignature__ = signature
        function.__javaname__ = name or function.__name__
        return function

    return mark


def make_module(device: Any) -> types.ModuleType:
    """A fresh ``jnius`` module bound to ``device``."""
    runtime = _Runtime(device)
    module = types.ModuleType("jnius")

    def autoclass(name: str) -> _JavaClass:
        return _JavaClass(runtime, runtime.available(name))

    def cast(target: Any, obj: JavaObject) -> JavaObject:
        name = target if isinstance(target, str) else target._spec.name
        runtime.available(name)
        if not is_a(runtime_class(obj.peer), name):
            raise JavaException(
                f"{runtime_class(obj.peer)} cannot be cast to {name}",
                "java.lang.ClassCastException",
            )
        return JavaObject(runtime, obj.peer, name)

    base = type("PythonJavaClass", (PythonJavaClass,), {"_device": device})
    device.runtime = runtime
    module.__dict__.update(
        autoclass=autoclass,
        cast=cast,
        JavaException=JavaException,
        PythonJavaClass=base,
        java_method=java_method,
    )
    return module
