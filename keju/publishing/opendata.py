"""Open data of a published edition: CSV tables, JSON and a Frictionless data package.

Everything here starts from `public_view(snapshot)`: the internal part (provisional values
kept for reviewers) never reaches a file. CSV is UTF-8 with a BOM so that Excel opens the
Chinese text; every text cell that could start a formula (= + - @, tab, CR) is neutralised.
Numbers are written as numbers. Withheld (provisional) and missing figures are empty cells
with their `state` beside them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from keju.publishing.snapshot import public_view

try:
    from keju.validation.values import neutralise_formula
except ImportError:  # pragma: no cover - the validation package ships it; kept for a trimmed install
    _STARTS = ("=", "+", "-", "@", "\t", "\r")

    def neutralise_formula(text: str) -> str:
        return "'" + text if text.startswith(_STARTS) else text


Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type: string | number | integer
    title: str


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[dict[str, Any]], Iterator[Row]]


def _c(name: str, type_: str, title: str) -> Column:
    return Column(name, type_, title)


Field = str | Callable[[dict[str, Any], dict[str, Any]], Any]


def _get(obj: Any, path: str) -> Any:
    for key in path.split(".") if path else ():
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


@dataclass(frozen=True)
class Rows:
    """How one table's rows come out of a snapshot's sections: the one CSV row builder.

    `items` is a dotted path in the sections (a list); with `nested`, each item gives one row per
    element of its own list at that path (or, starting with "/", of a list in the sections: a
    cross product). A field is a dotted path in the row's element, "^path" in the outer item,
    "/path" in the sections, or a function of (outer item, element).
    """

    items: str
    fields: dict[str, Field]
    nested: str | None = None

    def __call__(self, snapshot: dict[str, Any]) -> Iterator[Row]:
        sections = snapshot["sections"]
        for outer in _get(sections, self.items) or []:
            if self.nested is None:
                inners = [outer]
            elif self.nested.startswith("/"):
                inners = _get(sections, self.nested[1:]) or []
            else:
                inners = _get(outer, self.nested) or []
            for inner in inners:
                yield {
                    name: self._value(field, sections, outer, inner) for name, field in self.fields.items()
                }

    @staticmethod
    def _value(field: Field, sections: dict[str, Any], outer: dict[str, Any], inner: dict[str, Any]) -> Any:
        if callable(field):
            return field(outer, inner)
        if field.startswith("^"):
            return _get(outer, field[1:])
        if field.startswith("/"):
            return _get(sections, field[1:])
        return _get(inner, field)


def _same(*names: str) -> dict[str, Field]:
    return {name: name for name in names}


RUN = "lineage.run"  # the computation run behind a figure

_headline_rows = Rows(
    "headline",
    {
        **_same("indicator", "name", "unit", "baseline_year"),
        "baseline": "baseline.value",
        "latest_year": "latest_year",
        "latest": "latest.value",
        "latest_state": "latest.state",
        **_same("target_year"),
        "target": "target.value",
        **_same("target_kind", "status", "status_label"),
        "projected_year": "projection.year",
        "projected": "projection.value",
        "projected_lower": "projection.lower",
        "projected_upper": "projection.upper",
        "coverage": "latest.coverage",
        "run": "latest." + RUN,
    },
)


def _unit_rows(key: str) -> Rows:
    return Rows(
        key,
        {
            "indicator": "^indicator",
            "name": "^name",
            "unit": "^unit",
            "period": "^period",
            "org_unit": "org_unit",
            "org_unit_name": "name",
            **_same("value", "state", "coverage", "yoy_percent"),
            "run": RUN,
        },
        nested="units",
    )


_warning_rows = Rows(
    "warnings",
    {
        **_same("level", "code", "title", "org_unit", "org_unit_name", "indicator", "period", "message"),
        "run": RUN,
    },
)
_index_rows = Rows(
    "index.aggregates",
    {
        "year": "/index.year",
        "aggregate": "^aggregate",
        "aggregate_name": "^name",
        "level": "^level",
        "org_unit": "org_unit",
        "org_unit_name": "name",
        **_same("score", "rank", "rank_low", "rank_high"),
        "run": RUN,
    },
    nested="units",
)
_assessment_rows = Rows(
    "assessment",
    {
        **_same("period", "scorecard", "scorecard_name", "org_unit", "score", "rank", "grade", "explanation"),
        "org_unit_name": "name",
        "run": RUN,
    },
)
_chain_rows = Rows(
    "chains.chains",
    {
        **_same("code", "name", "group", "group_name"),
        **{
            target: f"targets.{target}"
            for target in ("platforms", "alliances", "achievements", "new_products")
        },
        "districts": lambda _outer, chain: "、".join(chain["districts"]),
    },
)
_task_rows = Rows(
    "tasks.categories",
    {
        "category": "^category",
        "status": "status",
        "status_label": "label",
        "count": lambda category, status: category["counts"].get(status["status"], 0),
    },
    nested="/tasks.statuses",
)


UNIT_COLUMNS = (
    _c("indicator", "string", "指标代码"),
    _c("name", "string", "指标"),
    _c("unit", "string", "单位"),
    _c("period", "string", "期别"),
    _c("org_unit", "string", "单位代码"),
    _c("org_unit_name", "string", "单位"),
    _c("value", "number", "数值"),
    _c("state", "string", "状态(final 正式数/provisional 初步数暂不公布/missing 缺)"),
    _c("coverage", "number", "覆盖率"),
    _c("yoy_percent", "number", "同比(%)"),
    _c("run", "integer", "计算批次"),
)
TABLES: tuple[Table, ...] = (
    Table(
        "headline",
        "主要指标进展(专栏1)",
        (
            _c("indicator", "string", "指标代码"),
            _c("name", "string", "指标"),
            _c("unit", "string", "单位"),
            _c("baseline_year", "integer", "基期年份"),
            _c("baseline", "number", "基期值"),
            _c("latest_year", "integer", "最新年份"),
            _c("latest", "number", "最新值"),
            _c("latest_state", "string", "最新值状态"),
            _c("target_year", "integer", "目标年份"),
            _c("target", "number", "目标值"),
            _c("target_kind", "string", "目标类型"),
            _c("status", "string", "进展状态代码"),
            _c("status_label", "string", "进展状态"),
            _c("projected_year", "integer", "预测年份"),
            _c("projected", "number", "预测值"),
            _c("projected_lower", "number", "预测区间下限"),
            _c("projected_upper", "number", "预测区间上限"),
            _c("coverage", "number", "覆盖率"),
            _c("run", "integer", "计算批次"),
        ),
        _headline_rows,
    ),
    Table("quarterly", "季度监测数据(年初至本季度累计)", UNIT_COLUMNS, _unit_rows("quarterly")),
    Table("districts", "各区主要指标", UNIT_COLUMNS, _unit_rows("districts")),
    Table(
        "warnings",
        "监测预警",
        (
            _c("level", "string", "级别"),
            _c("code", "string", "预警代码"),
            _c("title", "string", "类型"),
            _c("org_unit", "string", "单位代码"),
            _c("org_unit_name", "string", "单位"),
            _c("indicator", "string", "指标代码"),
            _c("period", "string", "期别"),
            _c("message", "string", "内容"),
            _c("run", "integer", "计算批次"),
        ),
        _warning_rows,
    ),
    Table(
        "index",
        "发展指数",
        (
            _c("year", "integer", "年份"),
            _c("aggregate", "string", "指数层级代码"),
            _c("aggregate_name", "string", "指数层级"),
            _c("level", "integer", "层级"),
            _c("org_unit", "string", "单位代码"),
            _c("org_unit_name", "string", "单位"),
            _c("score", "number", "得分"),
            _c("rank", "integer", "排名"),
            _c("rank_low", "integer", "排名区间下限"),
            _c("rank_high", "integer", "排名区间上限"),
            _c("run", "integer", "计算批次"),
        ),
        _index_rows,
    ),
    Table(
        "assessment",
        "各区考核评价",
        (
            _c("period", "string", "考核期"),
            _c("scorecard", "string", "考核表代码"),
            _c("scorecard_name", "string", "考核表"),
            _c("org_unit", "string", "单位代码"),
            _c("org_unit_name", "string", "单位"),
            _c("score", "number", "总分"),
            _c("rank", "integer", "排名"),
            _c("grade", "string", "等次"),
            _c("explanation", "string", "说明"),
            _c("run", "integer", "计算批次"),
        ),
        _assessment_rows,
    ),
    Table(
        "chains",
        "产业链目标",
        (
            _c("code", "string", "产业链代码"),
            _c("name", "string", "产业链"),
            _c("group", "string", "产业组代码"),
            _c("group_name", "string", "产业组"),
            _c("platforms", "integer", "创新平台目标"),
            _c("alliances", "integer", "产业技术创新战略联盟目标"),
            _c("achievements", "integer", "重大科技成果转化项目目标"),
            _c("new_products", "integer", "国家级重点新产品目标"),
            _c("districts", "string", "依托区"),
        ),
        _chain_rows,
    ),
    Table(
        "tasks",
        "改革和试验任务",
        (
            _c("category", "string", "类别"),
            _c("status", "string", "状态代码"),
            _c("status_label", "string", "状态"),
            _c("count", "integer", "任务数"),
        ),
        _task_rows,
    ),
)


def tables_of(snapshot: dict[str, Any]) -> list[Table]:
    """The tables that have rows in this (public view of the) snapshot."""
    public = public_view(snapshot)
    return [t for t in TABLES if next(t.rows(public), None) is not None]


def table_by_name(name: str) -> Table | None:
    return next((t for t in TABLES if t.name == name), None)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_formula(value)
    return value


def to_csv(snapshot: dict[str, Any], table: Table) -> bytes:
    """One table as CSV: UTF-8 with BOM, header of column names, formula-neutralised text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    for row in table.rows(public_view(snapshot)):
        writer.writerow([_cell(row.get(c.name)) for c in table.columns])
    return out.getvalue().encode("utf-8-sig")


def to_json(snapshot: dict[str, Any], edition: dict[str, Any]) -> bytes:
    body = {"edition": edition, **public_view(snapshot)}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False).encode("utf-8")


def package_name(snapshot: dict[str, Any]) -> str:
    meta = snapshot["meta"]
    return f"{meta['plan']}-{meta['kind']}-{meta['period']}".lower()


def datapackage(snapshot: dict[str, Any], edition: dict[str, Any]) -> dict[str, Any]:
    """datapackage.json (Frictionless Data Package v1) with a Table Schema per CSV."""
    meta = snapshot["meta"]
    return {
        "profile": "tabular-data-package",
        "name": package_name(snapshot),
        "title": edition.get("title") or f"{meta['zone']}{meta['period']}{meta['kind_label']}",
        "version": edition.get("number") or "",
        "created": edition.get("issued") or "",
        "description": f"{edition.get('number', '')} 公开数据;数据快照 SHA-256 {edition.get('hash', '')}。"
        "state 列:final 正式数,provisional 初步数(覆盖率不足,暂不公布,数值为空),missing 缺。",
        "sources": [{"title": f"{meta['zone']}联网直报审核通过的报表;{meta['plan_title']}"}],
        "resources": [
            {
                "name": t.name,
                "title": t.title,
                "path": f"{t.name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "schema": {"fields": [{"name": c.name, "type": c.type, "title": c.title} for c in t.columns]},
            }
            for t in tables_of(snapshot)
        ],
    }


def to_zip(snapshot: dict[str, Any], edition: dict[str, Any]) -> bytes:
    """The data package as one zip: datapackage.json, the CSVs and the JSON, with fixed file dates."""
    stamp = _zip_date(edition.get("issued"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        add(
            "datapackage.json",
            json.dumps(datapackage(snapshot, edition), ensure_ascii=False, indent=1).encode(),
        )
        for table in tables_of(snapshot):
            add(f"{table.name}.csv", to_csv(snapshot, table))
        add("snapshot.json", to_json(snapshot, edition))
    return out.getvalue()


def _zip_date(issued: str | None) -> tuple[int, int, int, int, int, int]:
    if issued:
        y, m, d = (int(p) for p in issued.split("-"))
        return (y, m, d, 0, 0, 0)
    return (1980, 1, 1, 0, 0, 0)
