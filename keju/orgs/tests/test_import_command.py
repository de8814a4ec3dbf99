import pytest
from django.core.management import CommandError, call_command

from keju.orgs.models import Enterprise
from keju.planning.testing import make_credit_code

HEADER = "企业名称,统一社会信用代码,行业代码,区代码,园区代码,成立日期,规模以上工业企业\n"


def write(tmp_path, lines, encoding="utf-8-sig"):
    path = tmp_path / "enterprises.csv"
    path.write_text(HEADER + "".join(lines), encoding=encoding)
    return path


@pytest.mark.django_db
def test_import_registers_every_row(plan, tmp_path, capsys):
    path = write(
        tmp_path,
        [
            f"兰州石化,{make_credit_code(1)},C2614,XQ,XQ-SH,2015-01-01,是\n",
            f"白银软件,{make_credit_code(2)},I6513,BG,,2016-03-15,否\n",
        ],
    )
    call_command("enterprises", "import", str(path))
    assert Enterprise.objects.count() == 2
    assert Enterprise.objects.get(name="兰州石化").is_above_scale
    assert "已导入2家企业" in capsys.readouterr().out


@pytest.mark.django_db
def test_import_reads_gb18030_files_from_excel(plan, tmp_path):
    path = write(tmp_path, [f"兰州石化,{make_credit_code(1)},C2614,XQ,,2015-01-01,否\n"], encoding="gb18030")
    call_command("enterprises", "import", str(path), "--plan", "mini")
    assert Enterprise.objects.get().name == "兰州石化"


@pytest.mark.django_db
def test_import_reports_errors_by_spreadsheet_line_and_inserts_nothing(plan, tmp_path, capsys):
    path = write(
        tmp_path,
        [
            f"兰州石化,{make_credit_code(1)},C2614,XQ,,2015-01-01,否\n",
            "白银软件,91350100M000100Y44,I6513,BG,,2016-03-15,否\n",
        ],
    )
    with pytest.raises(CommandError, match="未导入任何企业"):
        call_command("enterprises", "import", str(path))
    assert "第3行 统一社会信用代码“91350100M000100Y44”校验位错误" in capsys.readouterr().err
    assert Enterprise.objects.count() == 0


@pytest.mark.django_db
def test_import_refuses_unknown_or_missing_columns(plan, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("企业名称,颜色\n兰州石化,红\n", encoding="utf-8")
    with pytest.raises(CommandError, match="列名有误"):
        call_command("enterprises", "import", str(path))
    err = capsys.readouterr().err
    assert "未知的列“颜色”" in err and "缺少列“统一社会信用代码”" in err


@pytest.mark.django_db
def test_import_needs_a_loaded_plan(tmp_path):
    path = write(tmp_path, [])
    with pytest.raises(CommandError, match="keju plan load"):
        call_command("enterprises", "import", str(path))
