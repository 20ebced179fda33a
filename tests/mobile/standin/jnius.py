"""A strict ``jnius`` module over the class table and a simulated :class:`Device`.

pyjnius semantics kept here: a method returns an object of its declared type (only a
``java.lang.Object`` return is resolved to the runtime class); methods of a subclass are
absent until ``cast``; classes, methods and fields above the device's API level are absent
(``autoclass`` raises ``JavaException``, attributes raise ``AttributeError``); a protected
call without its permission raises ``JavaException`` (``java.lang.SecurityException``);
``PythonJavaClass`` implements interfaces only. A field holding an object is wrapped in
its *declared* type, as a method return is (``PythonActivity.mActivity`` is a
``PythonActivity``). Overloads are chosen as pyjnius does, by argument count and then
argument types: one added at a higher API level than the device's is absent.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, ClassVar

from tests.mobile.standin.table import CLASSES, PERMISSION_RULES, ClassSpec, Method

__all__ = ["JavaException", "JavaObject", "make_module", "runtime_class"]

_PRIMITIVES = {"void", "int", "long", "short", "byte", "boolean", "float", "double"}
_INTEGRAL = {"int", "long", "short", "byte"}


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


def overloads_of(entry: Method | tuple[Method, ...] | None) -> tuple[Method, ...]:
    if entry is None:
        return ()
    return entry if isinstance(entry, tuple) else (entry,)


def _signature(method: Method) -> object:
    return (method.arity, method.params)


class _Runtime:
    def __init__(self, device: Any):
        self.device = device

    def available(self, name: str) -> ClassSpec:
        spec = CLASSES.get(name)
        if spec is None or spec.api > self.device.api:
            raise JavaException(f"Class not found {name!r}", "java.lang.ClassNotFoundException")
        return spec

    def find(self, declared: str, attr: str, static: bool) -> list[Method]:
        """The overloads of ``attr`` on ``declared`` at the device's API level: for each
        signature the nearest class's that exists (an override newer than the device leaves
        the superclass's in place, as reflection on the phone finds it)."""
        found: dict[object, Method] = {}
        for spec in _lineage(declared):
            if spec.api > self.device.api:
                continue
            for method in overloads_of(spec.methods.get(attr)):
                if method.api <= self.device.api and (not static or method.static):
                    found.setdefault(_signature(method), method)
        return list(found.values())

    def has_overload(self, declared: str, attr: str, params: tuple[str, ...]) -> bool:
        """Whether ``declared.attr(params)`` exists at the device's API level."""
        return any(m.params == params for m in self.find(declared, attr, static=False))

    def check_permission(self, method: Method, name: str) -> None:
        if method.perm is None:
            return
        for group in PERMISSION_RULES[method.perm](self.device.api):
            if not group & self.device.granted:
                self.device.refused.append(name)  # tests assert none was ever made
                raise JavaException(
                    f"{name}: needs one of {sorted(group)}", "java.lang.SecurityException"
                )

    def fits(self, wanted: str, arg: Any) -> bool:
        """Whether pyjnius converts ``arg`` to a Java ``wanted`` parameter."""
        if wanted in _PRIMITIVES:
            if wanted == "boolean":
                return isinstance(arg, bool)
            if wanted in _INTEGRAL:
                return isinstance(arg, int) and not isinstance(arg, bool)
            return isinstance(arg, int | float) and not isinstance(arg, bool)
        if arg is None:
            return True
        if isinstance(arg, PythonJavaClass):
            return wanted in arg.java_interfaces()
        peer = arg.peer if isinstance(arg, JavaObject) else arg
        return (isinstance(peer, str) or hasattr(peer, "java_class")) and is_a(
            runtime_class(peer), wanted
        )

    def scores(self, wanted: str, arg: Any) -> bool:
        """``fits`` as pyjnius's overload scoring sees it (``calculate_score``): a Python
        str counts only for ``String`` and ``Object`` (not ``CharSequence``), so a method
        with overloads needs a Java String where it takes a CharSequence."""
        if isinstance(arg, str):
            return wanted in ("java.lang.String", "java.lang.Object")
        return self.fits(wanted, arg)

    def select(self, name: str, methods: list[Method], args: tuple[Any, ...]) -> Method:
        """The overload pyjnius calls for ``args``, or its JavaException."""
        counted = [m for m in methods if m.arity is None or m.arity == len(args)]
        if not counted:
            if len(methods) == 1:
                raise JavaException(f"{name}: Invalid call, number of argument mismatch")
            raise JavaException(f"{name}: No methods matching your arguments")
        fits = self.fits if len(methods) == 1 else self.scores
        typed = [m for m in counted if all(map(fits, m.params or (), args))]
        if not typed:
            wanted = counted[0].params if len(counted) == 1 else [m.params for m in counted]
            raise JavaException(f"{name}: arguments do not match {wanted}")
        return typed[0]

    def call(
        self, declared: str, peer: Any, name: str, methods: list[Method], args: tuple[Any, ...]
    ) -> Any:
        method = self.select(name, methods, args)
        self.check_permission(method, name)
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
        methods = self._runtime.find(self._declared, attr, static=False)
        if not methods:
            field = _field(self._runtime, self._declared, attr)
            if field is not _MISSING:
                return field
            raise AttributeError(f"{self._declared!r} object has no attribute {attr!r}")
        runtime, peer, declared = self._runtime, self.peer, self._declared
        return lambda *args: runtime.call(declared, peer, attr, methods, args)

    def __repr__(self) -> str:
        return f"<{self._declared} at stand-in>"


_MISSING = object()


def _field(runtime: _Runtime, declared: str, attr: str) -> Any:
    """A static or instance field: a primitive or String as a Python value, an object
    wrapped in the field's declared type (``None`` for null), as pyjnius reads a field."""
    for spec in _lineage(declared):
        field = spec.fields.get(attr)
        if field is None:
            continue
        if field.api > runtime.device.api or spec.api > runtime.device.api:
            return _MISSING
        value = field.value
        if isinstance(value, str) and value.startswith("device:"):
            value = getattr(runtime.device, value.removeprefix("device:"))
        if isinstance(value, JavaObject):
            raise AssertionError(f"stand-in: {spec.name}.{attr} must hold a peer, not a wrapper")
        if field.type is None:
            if hasattr(value, "java_class"):
                raise AssertionError(f"stand-in: {spec.name}.{attr} holds an object: type it")
            return value
        return runtime.wrap(value, field.type)
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
        methods = self._runtime.find(self._spec.name, attr, static=True)
        if not methods:
            raise AttributeError(f"type object {self._spec.name!r} has no attribute {attr!r}")
        runtime, statics = self._runtime, self._runtime.device.statics(self._spec.name)
        return lambda *args: runtime.call(self._spec.name, statics, attr, methods, args)

    def __call__(self, *args: Any) -> JavaObject:
        if not self._spec.constructible or self._spec.kind != "class":
            raise JavaException(
                f"{self._spec.name} cannot be instantiated here", "java.lang.InstantiationException"
            )
        constructors = [c for c in self._spec.constructors if c.api <= self._runtime.device.api]
        if self._spec.constructors:
            self._runtime.select(f"{self._spec.name}.<init>", constructors, args)
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
