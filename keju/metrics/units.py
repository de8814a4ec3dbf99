"""Units of form fields and indicators as (scale, dimensions), for formula unit checks.

A unit string such as "万元", "人年/万人" or "%" is parsed into a scale relative
to a base unit and a mapping of base dimensions to exponents. Two amounts can be
added when their dimensions agree (the scales give the conversion factor); a
formula `numerator / denominator × factor` yields the unit
scale(num) / scale(den) / factor with dims(num) − dims(den).

Units not in the table are their own dimension (scale 1), so "台" adds to "台"
but not to "件". Counting words that statistics use interchangeably for
"number of things" (个, 件, 户, 家, 项, 名, 位) share one dimension.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# unit word -> (scale, dimension); a None dimension means dimensionless.
_BASE: dict[str, tuple[float, str | None]] = {
    "元": (1.0, "currency"),
    "千元": (1e3, "currency"),
    "万元": (1e4, "currency"),
    "百万元": (1e6, "currency"),
    "亿元": (1e8, "currency"),
    "万亿元": (1e12, "currency"),
    "人": (1.0, "person"),
    "万人": (1e4, "person"),
    "人年": (1.0, "person_year"),
    "万人年": (1e4, "person_year"),
    "吨标准煤": (1.0, "energy"),
    "万吨标准煤": (1e4, "energy"),
    "个": (1.0, "count"),
    "件": (1.0, "count"),
    "户": (1.0, "count"),
    "家": (1.0, "count"),
    "项": (1.0, "count"),
    "名": (1.0, "count"),
    "位": (1.0, "count"),
    "平方米": (1.0, "area"),
    "万平方米": (1e4, "area"),
    "平方公里": (1e6, "area"),
    "%": (0.01, None),
    "‰": (0.001, None),
    "倍": (1.0, None),
    "1": (1.0, None),
}


class UnitError(ValueError):
    """Units that cannot be combined; the message is Chinese."""


@dataclass(frozen=True)
class Unit:
    scale: float
    dims: tuple[tuple[str, int], ...]  # sorted (dimension, exponent), exponents non-zero
    text: str

    def same_dimension(self, other: Unit) -> bool:
        return self.dims == other.dims

    def factor_to(self, other: Unit) -> float:
        """Multiply an amount in `self` by this to express it in `other` (same dimension)."""
        if not self.same_dimension(other):
            raise UnitError(f"单位“{self.text}”与“{other.text}”量纲不同,不能换算")
        return self.scale / other.scale

    def matches(self, other: Unit) -> bool:
        return self.same_dimension(other) and math.isclose(self.scale, other.scale, rel_tol=1e-9)


def _word(word: str) -> tuple[float, dict[str, int]]:
    word = word.strip()
    if word in _BASE:
        scale, dim = _BASE[word]
        return scale, ({dim: 1} if dim else {})
    if not word:
        raise UnitError("单位为空")
    return 1.0, {word: 1}


def parse_unit(text: str | None) -> Unit:
    """Parse "万元", "人年/万人", "万元/人", "%"; a missing unit is a plain number (dimensionless)."""
    if text is None or not text.strip():
        return Unit(1.0, (), "1")
    parts = text.split("/")
    scale, dims = _word(parts[0]) if parts[0].strip() else (1.0, {})
    for part in parts[1:]:
        s, d = _word(part)
        scale /= s
        for k, v in d.items():
            dims[k] = dims.get(k, 0) - v
    return Unit(scale, tuple(sorted((k, v) for k, v in dims.items() if v)), text.strip())


def ratio_unit(numerator: Unit, denominator: Unit | None, factor: float) -> Unit:
    """The unit of `numerator / denominator × factor` (factor 0 is refused by the formula model)."""
    dims = dict(numerator.dims)
    scale = numerator.scale
    text = numerator.text
    if denominator is not None:
        for k, v in denominator.dims:
            dims[k] = dims.get(k, 0) - v
        scale /= denominator.scale
        text = f"{numerator.text}/{denominator.text}"
    if factor != 1:
        text = f"{text}×{factor:g}"
    return Unit(scale / factor, tuple(sorted((k, v) for k, v in dims.items() if v)), text)
