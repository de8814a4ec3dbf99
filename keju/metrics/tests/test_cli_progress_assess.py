"""`keju progress assess INPUT.csv` end to end through keju.cli.main."""

import csv
import io
import sys

import pytest

from keju.cli import main

HEADER = "series,base_year,base_value,current_year,current_value,direction,target,target_year,limit\n"


def run(capsys, argv, stdin_text=None, monkeypatch=None):
    if stdin_text is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_assesses_every_row_and_writes_csv(tmp_path, capsys):
    path = tmp_path / "in.csv"
    path.write_text(
        HEADER
        + "研发强度,2014,2.3,2017,2.6,up,2.9,2020,\n"
        + "能耗,2014,2.17,2017,2.3,down,1.7,2020,\n"
        + "份额,2014,80,2016,80.4,up,,,100\n"
        + "企业数,2014,4674,2017,6300,up,6200,2020,\n"
        + "单年,2014,5,2014,6,up,,,\n"
        + "缺当前值,2014,5,2017,,up,,,\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, ["progress", "assess", str(path)])
    assert code == 0, err
    assert err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["series", "progress_value", "score", "status"]
    by = {r["series"]: r for r in rows}
    assert [r["series"] for r in rows] == ["研发强度", "能耗", "份额", "企业数", "单年", "缺当前值"]
    assert float(by["研发强度"]["progress_value"]) == pytest.approx(1.0590111, rel=1e-6)
    assert float(by["研发强度"]["score"]) == pytest.approx(3.2787105, rel=1e-6)
    assert by["研发强度"]["status"] == "substantial_progress"
    assert by["能耗"]["status"] == "negative_progress"
    assert float(by["份额"]["score"]) == pytest.approx(-0.514264, rel=1e-5)
    assert by["企业数"]["status"] == "target_achieved" and by["企业数"]["score"] == "5"
    assert by["单年"] == {"series": "单年", "progress_value": "", "score": "", "status": "insufficient_data"}
    assert by["缺当前值"]["status"] == "insufficient_data"


def test_dash_reads_stdin_and_accepts_a_bom(capsys, monkeypatch):
    text = "\ufeff" + HEADER + "a,2014,100,2015,101,up,,,\n"
    code, out, _ = run(capsys, ["progress", "assess", "-"], text, monkeypatch)
    assert code == 0
    assert out.splitlines()[1] == "a,0.01,1.25,moderate_progress"


def test_bad_rows_are_named_and_nothing_is_written(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "ok,2014,1,2016,2,up,,,\n"
        + "x,20x4,1,2016,2,up,,,\n"
        + "y,2014,abc,2016,2,sideways,,,\n"
        + "z,2014,1,2016,2,up,5,,\n"
        + "w,2014,1,2016,2,up,5,2013,\n"
        + "v,2014,1,2016,inf,up,,,\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, ["progress", "assess", str(path)])
    assert code == 1
    assert out == ""
    assert "第 3 行(序列“x”):基期年份 base_year 的值“20x4”不是有效的整数年份" in err
    assert "第 4 行(序列“y”):方向 direction 为“sideways”" in err
    assert "第 4 行(序列“y”):基期值 base_value 的值“abc”不是有效的数值" in err
    assert "第 5 行(序列“z”):给出了目标值 target,但目标年份 target_year 为空" in err
    assert "第 6 行(序列“w”):目标年份 2013 应晚于基期年份 2014" in err
    assert "第 7 行(序列“v”):当前值 current_value 的值“inf”不是有效的数值" in err
    assert "未输出任何结果" in err


def test_missing_columns_missing_file_and_usage(tmp_path, capsys):
    path = tmp_path / "cols.csv"
    path.write_text("series,base_year,base_value\na,2014,1\n", encoding="utf-8")
    code, out, err = run(capsys, ["progress", "assess", str(path)])
    assert code == 1 and out == ""
    assert "缺少列:current_year、current_value、direction、target、target_year、limit" in err

    code, out, err = run(capsys, ["progress", "assess", str(tmp_path / "nope.csv")])
    assert code == 1 and out == ""
    assert "找不到输入文件" in err and "nope.csv" in err

    code, _, err = run(capsys, ["progress", "assess"])
    assert code == 2 and "用法" in err


def test_empty_and_non_utf8_input(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    code, _, err = run(capsys, ["progress", "assess", str(empty)])
    assert code == 1 and "缺少表头行" in err

    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER, encoding="utf-8")
    code, _, err = run(capsys, ["progress", "assess", str(header_only)])
    assert code == 1 and "没有数据行" in err

    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + "研发,2014,1,2016,2,up,,,\n").encode("gbk"))
    code, _, err = run(capsys, ["progress", "assess", str(gbk)])
    assert code == 1 and "UTF-8" in err


def test_extra_cells_are_refused(tmp_path, capsys):
    path = tmp_path / "extra.csv"
    path.write_text(HEADER + "a,2014,1,2016,2,up,,,,surplus\n", encoding="utf-8")
    code, out, err = run(capsys, ["progress", "assess", str(path)])
    assert code == 1 and out == ""
    assert "第 2 行:列数多于表头" in err


def test_help(capsys):
    code, out, _ = run(capsys, ["progress", "assess", "--help"])
    assert code == 0
    assert "series, progress_value, score, status" in out and "已达标" in out
