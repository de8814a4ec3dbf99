"""`export_plan` and the `keju plan check|export` commands."""

import json
import subprocess
import sys

from keju.cli import main
from keju.plan import export_plan

from .conftest import MINI


def test_export_indicators(lanbai):
    doc = export_plan(lanbai)
    json.dumps(doc, ensure_ascii=False)  # JSON-ready
    inds = {i["code"]: i for i in doc["indicators"]}
    for ind in doc["indicators"]:
        assert isinstance(ind["code"], str) and isinstance(ind["name"], str) and isinstance(ind["unit"], str)
        assert ind["direction"] in ("up", "down")
        for key in ("baseline", "target"):
            assert ind[key] is None or (
                isinstance(ind[key]["year"], int) and isinstance(ind[key]["value"], float)
            )
    assert inds["gdp"]["baseline"]["value"] == 552.4 and inds["gdp"]["target"] == {
        "year": 2020,
        "value": 1377.0,
        "comparison": ">=",
        "kind": "level",
        "source": "专栏1",
    }
    assert inds["energy_per_gdp"]["direction"] == "down"
    # non-headline indicators get the zone's figures from the lists
    assert inds["enterprises_total"]["baseline"]["value"] == 4674
    assert inds["enterprises_total"]["target"]["value"] == 6200
    assert inds["rd_platforms"]["target"]["kind"] == "increment"
    assert {
        "zone",
        "org_units",
        "governance",
        "targets",
        "baselines",
        "stages",
        "industry_chains",
        "tasks",
    } <= set(doc)
    assert doc["summary"]["headline_indicators"] == 10


def test_cli_check_default_plan(capsys):
    assert main(["plan", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("计划文件校验通过: ") and "项指标" in out


def test_cli_export_json(capsys):
    assert main(["plan", "export", "--format", "json", str(MINI)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["zone"]["code"] == "qingchuan"
    assert [i["code"] for i in doc["indicators"]][:2] == ["gdp", "energy_per_gdp"]


def test_cli_export_is_readable_chinese(capsys):
    assert main(["plan", "export", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "地区生产总值" in out and "\\u" not in out


def test_cli_load_error_no_traceback(tmp_path, capsys):
    bad = tmp_path / "broken.yaml"
    bad.write_text("code: [\n", encoding="utf-8")
    assert main(["plan", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "broken.yaml:" in err and "YAML 语法错误" in err and "Traceback" not in err
    assert main(["plan", "export", "--format", "json", str(tmp_path / "none.yaml")]) == 1
    assert "文件不存在" in capsys.readouterr().err


def test_cli_bad_arguments(capsys):
    assert main(["plan", "export", "--format", "xml"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_core_imports_no_django():
    code = "import sys, keju.plan, keju.plan.cli; sys.exit(any(m.startswith('django') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
