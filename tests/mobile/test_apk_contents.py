"""What the APK needs is in it: every module the app imports is packaged or a declared
requirement, every Java class the app looks up ships in ``mobile/java``, and the app's
modules load with the scientific stack absent (as on the phone)."""

from __future__ import annotations

import ast
import configparser
import re
import subprocess
import sys
from pathlib import Path

MOBILE = Path(__file__).resolve().parents[2] / "mobile"
# pip name in buildozer's requirements -> module it provides; python-for-android's bootstrap
# provides ``android`` (permissions, activity, broadcast) without a requirement line
PROVIDES = {"pyjnius": "jnius", "python3": None, "charset-normalizer": "charset_normalizer"}
BOOTSTRAP = {"android"}
DESKTOP_ONLY = {"sensors/replay.py"}  # replays field-tool files; never runs on the phone


def spec() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(MOBILE / "buildozer.spec")
    return parser["app"]


def imported_modules() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in MOBILE.rglob("*.py"):
        name = (
            path.relative_to(MOBILE / "petasinyal_app").as_posix()
            if "petasinyal_app" in path.parts
            else path.name
        )
        if name in DESKTOP_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                found.setdefault(module.split(".")[0], set()).add(name)
    return found


def test_every_imported_module_is_packaged_or_required() -> None:
    required = set()
    for item in spec()["requirements"].split(","):
        name = re.split(r"[=<>]", item.strip())[0]
        module = PROVIDES.get(name, name.replace("-", "_"))
        if module:
            required.add(module)
    missing = {
        top: sorted(files)
        for top, files in imported_modules().items()
        if top not in sys.stdlib_module_names
        and top not in {"mobile", "analysis", "__future__"}
        and top not in required | BOOTSTRAP
    }
    assert not missing, f"imported but not in buildozer requirements: {missing}"


def test_every_java_class_the_app_looks_up_ships_with_it() -> None:
    shipped = {
        p.relative_to(MOBILE / "java").with_suffix("").as_posix().replace("/", ".")
        for p in (MOBILE / "java").rglob("*.java")
    }
    wanted = set()
    for path in MOBILE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        wanted |= set(re.findall(r"[\"']((?:org|id)\.petasinyal\.[A-Za-z0-9_.$]+)[\"']", text))
    assert wanted <= shipped, f"looked up but not in mobile/java: {wanted - shipped}"
    assert "java" in spec().get("android.add_src", "")


def test_the_app_loads_without_the_scientific_stack(tmp_path: Path) -> None:
    # the phone's tree: mobile/ as the app root plus analysis/{schema,classes}.py
    code = f"""
import importlib, importlib.abc, sys
class NoScience(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {{"numpy", "pandas", "scipy", "pyproj", "shapely", "rasterio"}}:
            raise ImportError(f"{{name}} is not on the phone")
sys.meta_path.insert(0, NoScience())
sys.path.insert(0, {str(MOBILE.parent)!r})
for name in [
    "mobile.petasinyal_app.engine", "mobile.petasinyal_app.link",
    "mobile.petasinyal_app.controller", "mobile.petasinyal_app.export",
    "mobile.petasinyal_app.android_service", "mobile.petasinyal_app.android_share",
    "mobile.petasinyal_app.sensors",
] + [
    "mobile.petasinyal_app.sensors." + p.stem
    for p in __import__("pathlib").Path({str(MOBILE / "petasinyal_app" / "sensors")!r}).glob("android*.py")
]:
    importlib.import_module(name)
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
