"""The app's entry point: desktop replay with its own data folder, the phone's service link,
and plain one-line errors for bad arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.io_csv import write_csv
from analysis.simulate import SurveyConfig, simulate_survey
from mobile import main as entry
from mobile.petasinyal_app.link import InlineLink, ServiceLink
from mobile.petasinyal_app.settings import load_settings
from tests.mobile.standin.service_models import service_android


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--speed", "0", "--replay", "x.csv"], "--speed must be a positive number"),
        (["--speed", "nan", "--replay", "x.csv"], "--speed must be a positive number"),
        (["--replay", "/nonexistent/trace.csv"], "No such file"),
        ([], "give --replay"),
    ],
)
def test_bad_arguments_are_one_plain_line(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    try:
        code = entry.main([*argv, "--data-dir", str(tmp_path)])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out = capsys.readouterr()
    text = (out.out + out.err).strip()
    assert code == 2 and says in text and "Traceback" not in text
    assert len(text.splitlines()) <= 3  # argparse: usage + the error line


def test_two_desktop_phones_side_by_side(tmp_path: Path) -> None:
    trace = write_csv(simulate_survey(SurveyConfig(points=200, seed=3)), tmp_path / "t.csv")
    links = []
    for name, server in (("a", "http://127.0.0.1:5001"), ("b", "http://127.0.0.1:5002")):
        args = entry._arguments(
            ["--replay", str(trace), "--server", server, "--data-dir", str(tmp_path / name)]
        )
        link = entry._desktop_link(args)
        assert isinstance(link, InlineLink)
        link.step()
        links.append(link)
    assert load_settings(tmp_path / "a").server_url == "http://127.0.0.1:5001"
    assert load_settings(tmp_path / "b").server_url == "http://127.0.0.1:5002"
    assert links[0].engine.outbox.path != links[1].engine.outbox.path
    for link in links:
        link.stop()


def test_on_the_phone_the_screens_attach_to_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANDROID_PRIVATE", str(tmp_path))
    with service_android(api=34) as device:
        link = entry._android_link(entry._arguments([]))
        assert isinstance(link, ServiceLink) and link.status() is None
        link.command("auto", on=True)
        link.start()
    [start] = device.service_starts
    assert json.loads(start["argument"]) == {"data_dir": str(tmp_path / "survey")}
    assert link.outbox.take_commands() == [("auto", {"on": True})]
