"""Chinese text for matching: normalisation and word segmentation (jieba, dictionary shipped in the package).

Nothing is downloaded at run time: jieba's dictionary is part of the wheel and
its prefix cache is built on first use (about a second).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

# Function words and boilerplate that say nothing about a technology.
STOPWORDS: frozenset[str] = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "对",
        "为",
        "以",
        "用",
        "于",
        "把",
        "被",
        "将",
        "从",
        "到",
        "由",
        "向",
        "并",
        "且",
        "而",
        "也",
        "都",
        "就",
        "又",
        "很",
        "更",
        "最",
        "还",
        "只",
        "其",
        "此",
        "该",
        "这",
        "那",
        "是",
        "有",
        "无",
        "不",
        "没有",
        "可",
        "能",
        "可以",
        "需要",
        "希望",
        "想",
        "要",
        "我们",
        "我",
        "公司",
        "我厂",
        "企业",
        "单位",
        "现有",
        "目前",
        "进行",
        "实现",
        "采用",
        "通过",
        "提供",
        "用于",
        "一种",
        "一个",
        "一批",
        "相关",
        "方面",
        "问题",
        "技术",
        "方法",
        "工艺",
        "系统",
        "产品",
        "项目",
        "合作",
        "寻求",
        "寻找",
        "引进",
        "开发",
        "研究",
        "提高",
        "降低",
        "以上",
        "以下",
        "左右",
        "多",
        "少",
        "大",
        "小",
        "高",
        "低",
        "好",
        "新",
        "后",
        "前",
        "中",
        "上",
        "下",
        "内",
        "外",
        "个",
        "种",
        "些",
        "年",
        "月",
        "日",
        "及其",
        "以及",
        "同时",
        "已",
        "已经",
        "但",
        "但是",
        "因为",
        "所以",
        "如何",
    ]
)

_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff]")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits to half-width), lower case, collapsed spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


@lru_cache(maxsize=4096)
def _segment(text: str) -> tuple[str, ...]:
    return tuple(jieba.cut_for_search(text))


def tokenize(text: str) -> list[str]:
    """Search tokens of `text`: jieba's search-mode words without punctuation and stopwords."""
    return [
        token
        for token in _segment(normalise(text))
        if token.strip() and _TOKEN_OK.search(token) and token not in STOPWORDS
    ]
