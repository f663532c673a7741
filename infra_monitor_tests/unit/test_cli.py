"""`infra-monitor inventory`: exit codes, the table, --json and --csv (check-config is tested
with the settings)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from infra_monitor.cli import main
from infra_monitor_tests.unit.gleaner.conftest import fixture_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_inventory_table(capsys: pytest.CaptureFixture[str]) -> None:
    gleaner = fixture_path("a_test_short_gleanerconfig.yaml")
    tenant = fixture_path("a_test_short_tenant.yaml")
    code, out, err = run(capsys, "inventory", gleaner, tenant)
    assert code == 0 and err == ""
    assert f"Sources in {gleaner}: 8 (3 active)" in out
    lines = out.splitlines()
    iris = next(line for line in lines if line.strip().startswith("iris "))
    assert iris.split()[:3] == ["iris", "yes", "sitemap"]
    magic = next(line for line in lines if line.strip().startswith("magic "))
    assert magic.split()[1] == "no"
    assert "(root key `tenant`): 2 community(ies)" in out
    assert "geocodes_all_short  graph short_test / short_test_summary  8 source(s) (all)" in out
    assert "Problems: 0 error(s), 0 warning(s)" in out


def test_inventory_table_lists_problems(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "inventory",
        fixture_path("nsdf_gleanerconfig.yaml"),
        fixture_path("ingest_tennant.yaml"),
    )
    assert code == 0
    assert "65 (65 active)" in out
    assert "yes*" in out and "`active` missing, null or unreadable" in out
    assert "(root key `tennant`)" in out
    assert "Problems: 2 error(s), 66 warning(s)" in out
    assert "[tenant_sources_exist]" in out and "legacy misspelling" in out


def test_inventory_json(capsys: pytest.CaptureFixture[str]) -> None:
    gleaner = fixture_path("oih_gleanerconfig.yaml")
    tenant = fixture_path("gleanerio_oih_tenant_branch-dev.yaml")
    code, out, err = run(capsys, "inventory", gleaner, tenant, "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert set(data) >= {"sources", "tenants", "problems"}
    assert len(data["sources"]) == 28
    assert sum(s["active"] for s in data["sources"]) == 26
    assert set(data["sources"][0]) >= {
        "name",
        "active",
        "proper_name",
        "source_type",
        "url",
        "domain",
        "headless",
        "pid",
        "logo",
        "report_url",
    }
    assert data["sources"][0]["name"] == "aquadocs"
    assert data["sources"][0]["report_url"] is None
    assert [t["community"] for t in data["tenants"]] == ["dev", "oihall"]
    assert data["tenants"][0]["graph"] == {
        "main_namespace": "oih_dev",
        "summary_namespace": "oih_dev_summary",
    }
    assert len(data["tenants"][1]["sources"]) == 28
    assert [(p["severity"], p["where"]) for p in data["problems"]] == [
        ("error", f"{tenant}: tenant[0].sources")
    ]


def test_inventory_csv(capsys: pytest.CaptureFixture[str]) -> None:
    gleaner = fixture_path("ecrr_gleanerconfig.yaml")
    code, out, _ = run(capsys, "inventory", gleaner, "--csv", "sources")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2 and sum(r["active"] == "true" for r in rows) == 1
    tenant = fixture_path("ingest_tenant.yaml")
    code, out, _ = run(capsys, "inventory", gleaner, tenant, "--csv", "tenants")
    assert code == 0
    assert out.splitlines()[0] == "community,name,main_namespace,summary_namespace,sources"


def test_invalid_yaml_exits_2_naming_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    gleaner = fixture_path("eco_gleanerconfig.yaml")
    code, out, err = run(capsys, "inventory", gleaner, "--json")
    assert code == 2
    assert json.loads(out)["problems"][0]["where"] == f"{gleaner}: line 602, column 22"
    assert err.strip() == (
        f"error: cannot parse {gleaner}: line 602, column 22: mapping values are not allowed here"
    )
    assert "Traceback" not in out + err


def test_invalid_tenant_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tenant = tmp_path / "tenant.yaml"
    tenant.write_text("tenant:\n  - community: dev\n    sources: [iris\n")
    code, out, err = run(capsys, "inventory", fixture_path("oih_gleanerconfig.yaml"), str(tenant))
    assert code == 2
    assert f"{tenant}: line 4, column 1" in err
    assert "Sources in" in out  # the readable part is still shown


def test_unreadable_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, err = run(capsys, "inventory", str(missing))
    assert code == 2 and out == ""
    assert err.strip() == f"error: cannot read {missing}: No such file or directory"
    code, out, err = run(capsys, "inventory", str(tmp_path))  # a directory
    assert code == 2 and "error: cannot read" in err


def test_unreadable_tenant_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    gleaner = fixture_path("oih_gleanerconfig.yaml")
    code, out, err = run(capsys, "inventory", gleaner, str(tmp_path / "tenant.yaml"))
    assert code == 2 and out == "" and "cannot read" in err


def test_problems_but_readable_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inventory", fixture_path("cfgbuilder_eco_sources.yaml"))
    assert code == 0
    assert "[unique_source_names]" in out and "cfgBuilder" in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    with pytest.raises(SystemExit) as info:
        main(["inventory"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["inventory", "a.yaml", "--json", "--csv", "sources"])
    assert info.value.code == 2
    capsys.readouterr()
