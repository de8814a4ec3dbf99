"""`keju plan check [FILE]` and `keju plan export --format json [FILE]`.

Both work on the pure core (no database). Problems go to stderr, one per line with
file and line, and the exit status is 1; a plan file never produces a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import keju
from keju.plan.checks import check_plan
from keju.plan.export import export_plan
from keju.plan.loader import PlanError, Problem, load_forms, load_plan
from keju.plan.schema import Plan

DEFAULT_PLAN = Path(keju.__file__).parent / "plans" / "lanbai-2015-2020.yaml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keju plan", description="规划文件的校验与导出")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="校验规划文件及其报表")
    check.add_argument(
        "file", nargs="?", type=Path, default=DEFAULT_PLAN, help="规划文件(默认: 兰白试验区规划)"
    )
    export = sub.add_parser("export", help="导出规划")
    export.add_argument("--format", choices=["json"], default="json", help="导出格式")
    export.add_argument(
        "file", nargs="?", type=Path, default=DEFAULT_PLAN, help="规划文件(默认: 兰白试验区规划)"
    )
    return parser


def run(args: list[str]) -> int:
    try:
        ns = _parser().parse_args(args)
    except SystemExit as exc:  # argparse has printed its usage message
        return exc.code if isinstance(exc.code, int) else 2
    plan, problems = _load_and_check(ns.file)
    if problems or plan is None:
        _report(problems)
        return 1
    if ns.command == "check":
        print(_summary(plan))
    else:
        print(json.dumps(export_plan(plan), ensure_ascii=False, indent=2))
    return 0


def _load_and_check(path: Path) -> tuple[Plan | None, list[Problem]]:
    try:
        plan = load_plan(path)
        forms = load_forms(plan, path)
    except PlanError as exc:
        return None, exc.problems
    return plan, check_plan(plan, forms)


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"计划文件校验未通过: 共 {len(problems)} 个问题", file=sys.stderr)


def _summary(plan: Plan) -> str:
    headline = sum(1 for i in plan.indicators if i.headline)
    return (
        f"计划文件校验通过: {len(plan.indicators)} 项指标(其中主要指标 {headline} 项), "
        f"{len(plan.targets)} 项目标, {len(plan.baselines)} 项基期数据, {len(plan.org_units)} 个组织单元, "
        f"{len(plan.governance)} 个组织机构, {len(plan.stages)} 个阶段, {len(plan.industry_chains)} 条产业链, "
        f"{len(plan.tasks)} 项任务, {len(plan.forms)} 张报表"
    )
