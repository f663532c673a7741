"""`infra-monitor check-config`: every problem with its path, exit 2, never a secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra_monitor.cli import main
from infra_monitor.settings import EXAMPLE_SETTINGS

BROKEN = """
environments:
  prod:
    object_store:
      endpoint: not-a-url
      bucket: gleaner
      access_key: AKIAIOSFODNN7EXAMPLE
      secret_key: ${PROD_S3_SECRET_KEY}
    scheduler:
      graphql_url: https://sched.example.org/graphql
"""


def test_valid_file_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(EXAMPLE_SETTINGS)]) == 0
    assert "2 environment(s) (prod, dev)" in capsys.readouterr().out


def test_problems_are_listed_with_paths_and_secrets_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "settings.yaml"
    file.write_text(BROKEN)
    assert main(["check-config", str(file)]) == 2
    out = capsys.readouterr().out
    assert "environments.prod.object_store.endpoint: not a URL" in out
    assert "environments.prod.object_store.access_key: secrets are never written" in out
    assert "AKIAIOSFODNN7EXAMPLE" not in out
    assert "****" in out


def test_invalid_yaml_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "settings.yaml"
    file.write_text("environments:\n  prod:\n    object_store: {endpoint: [\n")
    assert main(["check-config", str(file)]) == 2
    assert "(yaml) line 4, column 1:" in capsys.readouterr().out


def test_file_from_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "settings.yaml"
    file.write_text(BROKEN)
    monkeypatch.setenv("INFRA_MONITOR_CONFIG", str(file))
    assert main(["check-config"]) == 2
    assert str(file) in capsys.readouterr().out


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "infra_monitor.cli", "check-config", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "cannot read the file: No such file or directory" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
