"""Render a publication from its frozen snapshot only: one document model, two formats.

`compose(snapshot, edition)` turns the snapshot into blocks (headings, paragraphs, tables,
images); `render_pdf` lays them out with WeasyPrint (Noto Serif/Sans CJK embedded, page
numbers, charts as PNG, no JavaScript) and `render_docx` writes the same blocks with
python-docx as an editable Word file. Both show exactly the same formatted numbers.

Provisional figures are in the public sections only as "初步数暂不公布"; a draft rendered
for reviewers (`internal=True`) lists them with their values in a marked internal annex.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string

from keju.publishing import charts as chart_images
from keju.publishing.snapshot import ANNUAL, FINAL, PROVISIONAL

WITHHELD = "初步数暂不公布"
LEVEL_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
KIND_LABELS = {"level": "期末水平", "increment": "新增", "cumulative": "累计"}
CHAIN_KEYS = (
    ("platforms", "创新平台"),
    ("alliances", "产业联盟"),
    ("achievements", "成果转化"),
    ("new_products", "重点新产品"),
)


@dataclass
class Block:
    kind: str  # "h1" | "h2" | "p" | "note" | "table" | "image"
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    image: bytes | None = None

    @property
    def cells(self) -> list[list[tuple[str, str]]]:
        """Rows with a CSS class per cell: numbers right-aligned, short labels kept on one line."""
        out = []
        for row in self.rows:
            classes = []
            for c in row:
                numeric = bool(c) and (c[0].isdigit() or c[0] in "—-+")
                classes.append(" ".join(k for k, on in (("num", numeric), ("short", len(c) <= 6)) if on))
            out.append(list(zip(row, classes, strict=True)))
        return out

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.image or b"").decode("ascii")


def number(value: float | int | None, *, digits: int = 2) -> str:
    """How every figure is printed: thousands separators, two decimals (integers without)."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def figure_text(fig: dict[str, Any] | None) -> str:
    if not fig:
        return "—"
    if fig.get("state") == PROVISIONAL:
        return WITHHELD
    if fig.get("state") != FINAL:
        return "—"
    return number(fig.get("value"))


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def compose(
    snapshot: dict[str, Any], edition: dict[str, Any], *, internal: bool = False, charts: bool = True
) -> list[Block]:
    """The document as blocks; `charts=False` leaves the images out (for an HTML preview)."""
    meta, sections = snapshot["meta"], snapshot["sections"]
    blocks: list[Block] = [
        Block("h1", edition.get("title") or f"{meta['zone']}{meta['period']}{meta['kind_label']}")
    ]
    blocks.append(Block("p", _masthead(meta, edition)))
    blocks += _summary(meta, sections)
    chapter = iter("一二三四五六七八九十")
    blocks += _headline(next(chapter), meta, sections["headline"], draw=charts)
    if meta["kind"] == ANNUAL:
        blocks += _districts(next(chapter), meta, sections.get("districts", []))
        blocks += _warnings(next(chapter), sections.get("warnings", []))
        blocks += _index(next(chapter), sections.get("index") or {}, draw=charts)
        blocks += _assessment(next(chapter), sections.get("assessment", []))
        blocks += _chains(next(chapter), sections.get("chains") or {})
        blocks += _tasks(next(chapter), sections.get("tasks") or {})
    else:
        blocks += _quarterly(next(chapter), meta, sections.get("quarterly", []))
        blocks += _districts(next(chapter), meta, sections.get("districts", []))
        blocks += _warnings(next(chapter), sections.get("warnings", []))
    blocks += _sources(meta, edition)
    if internal:
        blocks += _internal(snapshot.get("internal") or {})
    return blocks


def _masthead(meta: dict[str, Any], edition: dict[str, Any]) -> str:
    if edition.get("draft") or not edition.get("number"):
        return f"草稿(未编号、未发布)· 期别 {meta['period']}"
    return f"{edition['number']} · 发布日期 {edition.get('issued') or ''} · 期别 {meta['period']}"


def _summary(meta: dict[str, Any], sections: dict[str, Any]) -> list[Block]:
    rows = sections["headline"]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status_label"]] = counts.get(r["status_label"], 0) + 1
    parts = "、".join(f"{label}{n}项" for label, n in counts.items())
    text = (
        f"本期依据{meta['zone']}联网直报审核通过的数据编制。专栏1十项主要指标中,{parts}"
        f"(按各指标最新正式数与{meta['baseline_year']}年基期、{meta['plan_end']}年目标比较)。"
    )
    warnings = sections.get("warnings") or []
    if warnings:
        red = sum(1 for w in warnings if w["level"] == "red")
        text += f"监测预警{len(warnings)}条,其中红色{red}条。"
    return [Block("h2", "概要"), Block("p", text)]


def _headline(no: str, meta: dict[str, Any], rows: list[dict[str, Any]], *, draw: bool) -> list[Block]:
    header = [
        "指标",
        "单位",
        f"基期({meta['baseline_year']})",
        "最新值(年份)",
        "目标(年份)",
        "状态",
        "预测值(90%区间)",
        "覆盖率",
    ]
    table = []
    for r in rows:
        latest = figure_text(r["latest"])
        if r.get("latest_year") and r["latest"].get("state") == FINAL:
            latest += f"({r['latest_year']})"
        target = figure_text(r["target"])
        if r.get("target_year") and r["target"].get("value") is not None:
            kind = "" if r.get("target_kind") == "level" else KIND_LABELS.get(r.get("target_kind") or "", "")
            target += f"({r['target_year']}{kind})"
        proj = r.get("projection")
        projected = (
            f"{number(proj['value'])}({number(proj['lower'])}—{number(proj['upper'])})" if proj else "—"
        )
        table.append(
            [
                r["name"],
                r["unit"],
                figure_text(r["baseline"]),
                latest,
                target,
                r["status_label"],
                projected,
                percent(r["latest"].get("coverage")),
            ]
        )
    blocks = [Block("h2", f"{no}、主要指标进展(专栏1)"), Block("table", header=header, rows=table)]
    image = chart_images.cached(chart_images.headline_chart, rows) if draw else None
    if image:
        blocks.append(Block("image", "图1 主要指标:实际值、规划路径、目标与预测", image=image))
    return blocks


def _unit_table(rows: list[dict[str, Any]], *, yoy: bool = False) -> Block:
    units = rows[0]["units"] if rows else []
    header = ["指标", "单位", *[u["name"] for u in units]]
    table = []
    for r in rows:
        cells = []
        for c in r["units"]:
            text = figure_text(c)
            if yoy and c.get("yoy_percent") is not None:
                text += f"(同比{c['yoy_percent']:+.1f}%)"
            cells.append(text)
        table.append([r["name"], r["unit"], *cells])
    return Block("table", header=header, rows=table)


def _districts(no: str, meta: dict[str, Any], rows: list[dict[str, Any]]) -> list[Block]:
    period = rows[0]["period"] if rows else meta["period"]
    blocks = [Block("h2", f"{no}、各区主要指标比较({period}年)")]
    if not rows:
        return [*blocks, Block("p", "本期没有可比较的各区数据。")]
    return [*blocks, _unit_table(rows)]


def _quarterly(no: str, meta: dict[str, Any], rows: list[dict[str, Any]]) -> list[Block]:
    blocks = [Block("h2", f"{no}、季度监测数据({meta['year']}年1—{meta['quarter']}季度累计)")]
    if not rows:
        return [*blocks, Block("p", "本季度尚无审核通过的季度报表数据。")]
    return [
        *blocks,
        _unit_table(rows, yoy=True),
        Block("note", "同比为与上年同期累计值相比的增减幅度,仅对可加总指标计算。"),
    ]


def _warnings(no: str, rows: list[dict[str, Any]]) -> list[Block]:
    blocks = [Block("h2", f"{no}、监测预警")]
    if not rows:
        return [*blocks, Block("p", "本期没有预警。")]
    table = [
        [LEVEL_LABELS.get(w["level"], w["level"]), w["title"] or w["code"], w["org_unit_name"], w["message"]]
        for w in rows
    ]
    return [*blocks, Block("table", header=["级别", "类型", "单位", "内容"], rows=table)]


def _index(no: str, index: dict[str, Any], *, draw: bool) -> list[Block]:
    blocks = [Block("h2", f"{no}、发展指数({index.get('year', '')}年)")]
    aggregates = index.get("aggregates") or []
    if not aggregates:
        return [*blocks, Block("p", "本年度尚未计算发展指数。")]
    top = aggregates[0]
    groups = [a for a in aggregates if a["level"] > 0]
    header = ["单位", f"{top['name']}", "排名", "排名区间", *[g["name"] for g in groups]]
    by_group = {g["aggregate"]: {u["org_unit"]: u for u in g["units"]} for g in groups}
    table = []
    for u in top["units"]:
        interval = f"{u['rank_low']}—{u['rank_high']}" if u.get("rank_low") is not None else "—"
        cells = [number(by_group[g["aggregate"]].get(u["org_unit"], {}).get("score")) for g in groups]
        table.append([u["name"], number(u["score"]), str(u["rank"] or "—"), interval, *cells])
    blocks.append(Block("table", header=header, rows=table))
    blocks.append(
        Block("note", "排名区间为权重和方法扰动下(敏感性分析)各区排名的范围;试验区整体不参与排名。")
    )
    image = chart_images.cached(chart_images.index_chart, index) if draw else None
    if image:
        blocks.append(Block("image", "图2 发展指数得分与排名区间", image=image))
    return blocks


def _assessment(no: str, rows: list[dict[str, Any]]) -> list[Block]:
    blocks = [Block("h2", f"{no}、各区考核评价")]
    if not rows:
        return [*blocks, Block("p", "本期没有考核评价结果。")]
    table = [
        [r["name"], r["scorecard_name"], number(r["score"]), str(r["rank"] or "—"), r["grade"] or "—"]
        for r in rows
    ]
    blocks.append(Block("table", header=["单位", "考核表", "总分", "排名", "等次"], rows=table))
    blocks += [Block("note", r["explanation"]) for r in rows if r.get("explanation")]
    return blocks


def _chains(no: str, chains: dict[str, Any]) -> list[Block]:
    blocks = [Block("h2", f"{no}、产业链")]
    rows = chains.get("chains") or []
    if not rows:
        return [*blocks, Block("p", "规划未列出产业链。")]
    table = [
        [
            c["name"],
            c["group_name"],
            *[number(c["targets"].get(k)) for k, _ in CHAIN_KEYS],
            "、".join(c["districts"]),
        ]
        for c in rows
    ]
    blocks.append(
        Block(
            "table",
            header=["产业链", "产业组", *[f"{label}目标" for _, label in CHAIN_KEYS], "依托区"],
            rows=table,
        )
    )
    progress = [p for p in chains.get("progress") or [] if p.get("indicator")]
    if progress:
        ptable = [
            [p["name"] or p["indicator"], number(p["current"]), number(p["target"]), p["status_label"]]
            for p in progress
        ]
        blocks.append(Block("table", header=["试验区指标", "最新值", "目标", "状态"], rows=ptable))
    return blocks


def _tasks(no: str, tasks: dict[str, Any]) -> list[Block]:
    blocks = [Block("h2", f"{no}、改革和试验任务")]
    categories = tasks.get("categories") or []
    if not categories:
        return [*blocks, Block("p", "规划未列出任务。")]
    statuses = tasks["statuses"]
    table = [
        [c["category"], *[str(c["counts"].get(s["status"], 0)) for s in statuses], str(c["total"])]
        for c in categories
    ]
    blocks.append(Block("table", header=["类别", *[s["label"] for s in statuses], "合计"], rows=table))
    blocks.append(Block("p", f"任务共{tasks['total']}项。"))
    return blocks


def _sources(meta: dict[str, Any], edition: dict[str, Any]) -> list[Block]:
    threshold = meta.get("coverage_threshold")
    texts = [
        f"数据来源:{meta['zone']}企业和各区通过科聚网联网直报(“一套表”)报送、经管委会审核通过的报表;"
        f"计算批次 {', '.join(str(r) for r in meta['runs']) or '—'}。",
        "口径:比率类指标先分别汇总分子和分母再相除(比值的和,而非各单位比值的平均);试验区合计为4区之和;"
        f"基期值与目标值取自《{meta['plan_title']}》专栏1及有关章节。",
        "覆盖率为已报单位数与应报单位数之比;"
        + (
            f"覆盖率低于{threshold * 100:.0f}%的数值为初步数,本出版物不予公布。"
            if threshold is not None
            else "覆盖率不足的数值为初步数,本出版物不予公布。"
        ),
        "进展状态按基期到目标的年均所需增速比较实际增速评定(已达标、进展良好、需加快、进展有限、倒退、数据不足);"
        "预测按近年趋势(近期加权)外推,给出90%预测区间。",
        f"每个数值均可追溯至指标、单位、期别和计算批次;数据快照校验值(SHA-256):{edition.get('hash', '')}。",
    ]
    return [Block("h2", "数据来源与口径"), *[Block("p", t) for t in texts]]


def _internal(internal: dict[str, Any]) -> list[Block]:
    rows = internal.get("provisional") or []
    blocks = [
        Block("h2", "内部附件:初步数(不公开)"),
        Block("note", "以下数值覆盖率不足,仅供审核参考,不会出现在公开版本中。"),
    ]
    if not rows:
        return [*blocks, Block("p", "没有初步数。")]
    table = [
        [
            r["label"],
            r["org_unit_name"],
            r["period"],
            r.get("message") or number(r["value"]) + "(初步)",
            percent(r["coverage"]),
        ]
        for r in rows
    ]
    return [*blocks, Block("table", header=["指标", "单位", "期别", "数值", "覆盖率"], rows=table)]


# --- formats ---------------------------------------------------------------------------------


def render_html(snapshot: dict[str, Any], *, edition: dict[str, Any], internal: bool = False) -> str:
    blocks = compose(snapshot, edition, internal=internal)
    return render_to_string(
        "publishing/document.html",
        {"blocks": blocks, "edition": edition, "meta": snapshot["meta"], "internal": internal},
    )


def render_pdf(snapshot: dict[str, Any], *, edition: dict[str, Any], internal: bool = False) -> bytes:
    from weasyprint import HTML

    html = render_html(snapshot, edition=edition, internal=internal)
    return bytes(HTML(string=html).write_pdf(metadata={"title": edition.get("title", "")}) or b"")


def render_docx(snapshot: dict[str, Any], *, edition: dict[str, Any], internal: bool = False) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    props = doc.core_properties
    props.title = edition.get("title", "")
    props.author = snapshot["meta"]["zone"]
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)
    _page_number_footer(section, OxmlElement, qn, WD_ALIGN_PARAGRAPH)
    if edition.get("draft"):
        section.header.paragraphs[0].text = "草稿 — 未发布,不得引用"
    for block in compose(snapshot, edition, internal=internal):
        if block.kind == "h1":
            doc.add_heading(block.text, level=0)
        elif block.kind == "h2":
            doc.add_heading(block.text, level=1)
        elif block.kind in ("p", "note"):
            para = doc.add_paragraph(block.text)
            if block.kind == "note":
                for run in para.runs:
                    run.font.size = Pt(9)
        elif block.kind == "table":
            table = doc.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = text
                for run in cell.paragraphs[0].runs:
                    run.font.bold = True
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
        elif block.kind == "image" and block.image:
            doc.add_picture(io.BytesIO(block.image), width=Cm(16))
            doc.add_paragraph(block.text).alignment = WD_ALIGN_PARAGRAPH.CENTER
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page_number_footer(section: Any, element: Any, qn: Any, align: Any) -> None:
    """第 N 页 as a Word PAGE field, so Word renumbers after officials edit the text."""
    para = section.footer.paragraphs[0]
    para.alignment = align.CENTER
    para.add_run("第 ")
    run = para.add_run()
    for tag, attrs, text in (
        ("w:fldChar", {"w:fldCharType": "begin"}, None),
        ("w:instrText", {"xml:space": "preserve"}, "PAGE"),
        ("w:fldChar", {"w:fldCharType": "end"}, None),
    ):
        node = element(tag)
        for k, v in attrs.items():
            node.set(qn(k), v)
        if text:
            node.text = text
        run._r.append(node)
    para.add_run(" 页")
