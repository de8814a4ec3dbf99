"""`keju progress assess INPUT.csv`: the progress measure for any series, from the command line.

Input CSV (UTF-8, a BOM is accepted; "-" reads standard input), one series per row:
    series, base_year, base_value, current_year, current_value, direction, target, target_year, limit
`direction` is `up` or `down`; target, target_year and limit may be empty (target_year is required
with a target); an empty base or current value assesses as `insufficient_data`.
Output CSV on standard output: series, progress_value, score, status.
Bad input writes nothing to standard output: every problem goes to standard error with its line,
and the exit code is 1 (2 for a usage error).
"""

from __future__ import annotations

import csv
import io
import math
import sys
from collections.abc import Sequence
from typing import TextIO

import polars as pl

from keju.metrics.progress import INPUT_COLUMNS, STATUS_LABELS, assess_frame

USAGE = "用法:keju progress assess INPUT.csv   (INPUT 为 “-” 时读标准输入)"
MAX_PROBLEMS = 50  # a whole bad file would drown the useful first lines


class InputError(ValueError):
    """Problems with the input file; nothing is assessed."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def _number(text: str, *, integer: bool) -> float | int:
    cleaned = text.strip().replace(",", "")
    value = float(cleaned)  # ValueError on text
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    if integer:
        if value != int(value):
            raise ValueError(text)
        return int(value)
    return value


FIELD_LABELS = {
    "base_year": "基期年份",
    "base_value": "基期值",
    "current_year": "当前年份",
    "current_value": "当前值",
    "target": "目标值",
    "target_year": "目标年份",
    "limit": "自然上限",
}


def read_series(stream: TextIO) -> pl.DataFrame:
    """Parse and validate the input CSV into the frame `assess_frame` takes; InputError lists every problem."""
    reader = csv.DictReader(stream)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise InputError(["输入为空:缺少表头行"])
    reader.fieldnames = header
    missing = [c for c in INPUT_COLUMNS if c not in header]
    if missing:
        raise InputError(["缺少列:" + "、".join(missing) + "(应有列:" + ", ".join(INPUT_COLUMNS) + ")"])

    rows: dict[str, list[object]] = {c: [] for c in INPUT_COLUMNS}
    problems: list[str] = []
    for record in reader:
        line = reader.line_num
        if None in record:
            problems.append(f"第 {line} 行:列数多于表头")
            continue
        if all((v or "").strip() == "" for v in record.values()):
            continue  # blank line
        row_problems: list[str] = []
        name = (record.get("series") or "").strip()
        where = f"第 {line} 行(序列“{name}”)" if name else f"第 {line} 行"
        if not name:
            row_problems.append(f"{where}:序列名 series 为空")
        direction = (record.get("direction") or "").strip()
        if direction not in ("up", "down"):
            row_problems.append(f"{where}:方向 direction 为“{direction}”,应为 up(越大越好)或 down(越小越好)")
        parsed: dict[str, float | int | None] = {}
        for col, integer, required in (
            ("base_year", True, True),
            ("base_value", False, False),
            ("current_year", True, True),
            ("current_value", False, False),
            ("target", False, False),
            ("target_year", True, False),
            ("limit", False, False),
        ):
            raw = (record.get(col) or "").strip()
            if raw == "":
                if required:
                    row_problems.append(f"{where}:{FIELD_LABELS[col]} {col} 为空")
                parsed[col] = None
                continue
            try:
                parsed[col] = _number(raw, integer=integer)
            except ValueError:
                kind = "整数年份" if integer else "数值"
                row_problems.append(f"{where}:{FIELD_LABELS[col]} {col} 的值“{raw}”不是有效的{kind}")
                parsed[col] = None
        if parsed.get("target") is not None:
            if parsed.get("target_year") is None and not any("target_year" in p for p in row_problems):
                row_problems.append(f"{where}:给出了目标值 target,但目标年份 target_year 为空")
            by, ty = parsed.get("base_year"), parsed.get("target_year")
            if by is not None and ty is not None and ty <= by:
                row_problems.append(f"{where}:目标年份 {ty} 应晚于基期年份 {by}")
        by, cy = parsed.get("base_year"), parsed.get("current_year")
        if by is not None and cy is not None and cy < by:
            row_problems.append(f"{where}:当前年份 {cy} 早于基期年份 {by}")
        if row_problems:
            problems.extend(row_problems)
            continue
        rows["series"].append(name)
        rows["direction"].append(direction)
        for col, value in parsed.items():
            rows[col].append(value)
    if problems:
        raise InputError(problems)
    if not rows["series"]:
        raise InputError(["输入没有数据行"])
    return pl.DataFrame(
        rows,
        schema={
            "series": pl.Utf8,
            "base_year": pl.Int64,
            "base_value": pl.Float64,
            "current_year": pl.Int64,
            "current_value": pl.Float64,
            "direction": pl.Utf8,
            "target": pl.Float64,
            "target_year": pl.Int64,
            "limit": pl.Float64,
        },
    )


def _fmt(value: float | None) -> str:
    return "" if value is None else format(value, ".12g")


def write_assessments(result: pl.DataFrame, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["series", "progress_value", "score", "status"])
    for row in result.select("series", "progress_value", "score", "status").iter_rows():
        writer.writerow([row[0], _fmt(row[1]), _fmt(row[2]), row[3]])


def _open(path: str, stdin: TextIO) -> TextIO:
    if path == "-":
        data = stdin.read()
        return io.StringIO(data[1:] if data.startswith("\ufeff") else data)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return io.StringIO(handle.read())


def run(
    argv: Sequence[str],
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """`run(["assess", "INPUT.csv"])` → exit code (0 ok, 1 bad input, 2 usage)."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = list(argv)
    if args and args[0] == "assess":
        args = args[1:]
    if len(args) == 1 and args[0] in ("-h", "--help"):
        stdout.write(__doc__ or "")
        stdout.write("\n状态:" + ", ".join(f"{k} {v}" for k, v in STATUS_LABELS.items()) + "\n")
        return 0
    if len(args) != 1:
        stderr.write(USAGE + "\n")
        return 2
    path = args[0]
    try:
        stream = _open(path, stdin)
        frame = read_series(stream)
        result = assess_frame(frame)
    except FileNotFoundError:
        stderr.write(f"错误:找不到输入文件 {path}\n")
        return 1
    except IsADirectoryError:
        stderr.write(f"错误:{path} 是目录,不是 CSV 文件\n")
        return 1
    except OSError as exc:
        stderr.write(f"错误:无法读取 {path}:{exc.strerror or exc}\n")
        return 1
    except UnicodeDecodeError:
        stderr.write(f"错误:{path} 不是 UTF-8 编码的文本(请另存为 UTF-8 CSV)\n")
        return 1
    except csv.Error as exc:
        stderr.write(f"错误:{path} 不是有效的 CSV:{exc}\n")
        return 1
    except InputError as exc:
        shown = exc.problems[:MAX_PROBLEMS]
        for problem in shown:
            stderr.write(f"错误:{problem}\n")
        if len(exc.problems) > MAX_PROBLEMS:
            stderr.write(f"……另有 {len(exc.problems) - MAX_PROBLEMS} 个问题未列出\n")
        stderr.write("未输出任何结果。\n")
        return 1
    except ValueError as exc:
        stderr.write(f"错误:{exc}\n未输出任何结果。\n")
        return 1
    write_assessments(result, stdout)
    return 0
