"""Industries of the demo zone: GB/T 4754-2017 classes grouped into sectors.

A sector ties together what the generator needs to know about an industry:
the words that name it in a plan's 主导产业 (`KEYWORDS`), the class codes
enterprises get, the words in their names, and economic parameters (value-added
rate, labour productivity, energy intensity, innovativeness, size).

高技术产业(制造业) categories follow 《高技术产业(制造业)分类(2017)》 and are
derived from the class code; 战略性新兴产业 fields follow 《战略性新兴产业分类(2018)》,
where many classes count only in part (`se_share`: the chance an enterprise of
the class is in the field).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Industry:
    code: str  # GB/T 4754-2017 class, section letter + 4 digits
    name: str
    weight: float = 1.0  # relative frequency within its sector
    se_field: str = ""  # 战略性新兴产业分类(2018) field, if any
    se_share: float = 0.0


@dataclass(frozen=True)
class Sector:
    code: str
    label: str
    industries: tuple[Industry, ...]
    words: tuple[str, ...]  # industry words in enterprise names
    chain_keywords: tuple[str, ...]  # words of the plan's industry-chain names, best first
    va_rate: float  # value added / revenue
    productivity: float  # 万元 value added per employee, 2014
    energy: float  # relative energy intensity of value added
    innovation: float  # offset of the latent innovativeness
    size: float  # offset of log size


NEW_IT = "新一代信息技术产业"
HIGH_END = "高端装备制造产业"
NEW_MAT = "新材料产业"
BIO = "生物产业"
NEV = "新能源汽车产业"
NEW_ENERGY = "新能源产业"
GREEN = "节能环保产业"
DIGITAL = "数字创意产业"
SERVICES = "相关服务业"

I = Industry  # noqa: E741 - table shorthand

# fmt: off
SECTORS: tuple[Sector, ...] = (
    Sector(
        "petrochem", "石油化工",
        (I("C2511", "原油加工及石油制品制造", 3), I("C2614", "有机化学原料制造", 2),
         I("C2651", "初级形态塑料及合成树脂制造", 1, NEW_MAT, 0.3)),
        ("石化", "石油化工", "炼化"), ("化工", "石化"), 0.22, 60, 6.0, -0.3, 1.0,
    ),
    Sector(
        "fine_chem", "精细化工",
        (I("C2641", "涂料制造", 2, NEW_MAT, 0.3), I("C2662", "专项化学用品制造", 2, NEW_MAT, 0.5),
         I("C2661", "化学试剂和助剂制造", 1, NEW_MAT, 0.3), I("C2613", "无机盐制造", 1),
         I("C2664", "文化用信息化学品制造", 0.4, NEW_MAT, 0.6),
         I("C2665", "医学生产用信息化学品制造", 0.3, BIO, 0.5)),
        ("化工", "精细化工", "化学", "涂料"), ("化工",), 0.25, 35, 3.0, 0.0, 0.3,
    ),
    Sector(
        "nonferrous", "有色冶金",
        (I("C3211", "铜冶炼", 2), I("C3212", "铅锌冶炼", 2), I("C3216", "铝冶炼", 2), I("C3213", "镍钴冶炼", 1),
         I("C3251", "铜压延加工", 1, NEW_MAT, 0.3), I("C3252", "铝压延加工", 1, NEW_MAT, 0.3),
         I("B0911", "铜矿采选", 0.5)),
        ("有色金属", "铜业", "铝业", "锌业", "冶炼"), ("冶金有色", "有色"), 0.18, 45, 8.0, -0.4, 1.0,
    ),
    Sector(
        "new_materials", "新材料",
        (I("C3240", "有色金属合金制造", 2, NEW_MAT, 0.6), I("C3232", "稀土金属冶炼", 1, NEW_MAT, 0.8),
         I("C2652", "合成橡胶制造", 1, NEW_MAT, 0.4), I("C3091", "石墨及碳素制品制造", 1, NEW_MAT, 0.5)),
        ("新材料", "材料科技", "稀土", "合金材料"), ("新材料",), 0.24, 40, 3.5, 0.4, 0.4,
    ),
    Sector(
        "metallurgy", "冶金铸造",
        (I("C3130", "钢压延加工", 1), I("C3140", "铁合金冶炼", 1), I("C3391", "黑色金属铸造", 2),
         I("C3392", "有色金属铸造", 1)),
        ("冶金", "铸造", "钢铁"), ("冶金有色", "冶金"), 0.20, 30, 5.0, -0.6, 0.3,
    ),
    Sector(
        "equipment", "装备制造",
        (I("C3512", "石油钻采专用设备制造", 2, HIGH_END, 0.4),
         I("C3521", "炼油、化工生产专用设备制造", 2, HIGH_END, 0.2),
         I("C3411", "锅炉及辅助设备制造", 1), I("C3441", "泵及真空设备制造", 1), I("C3443", "阀门和旋塞制造", 1),
         I("C3511", "矿山机械制造", 1), I("C3572", "机械化农业及园艺机具制造", 1),
         I("C3491", "工业机器人制造", 0.3, HIGH_END, 1.0),
         I("C4011", "工业自动控制系统装置制造", 0.5, HIGH_END, 0.8)),
        ("机械", "装备制造", "重工", "机电", "石化装备"), ("装备制造", "装备"), 0.28, 28, 0.8, 0.2, 0.5,
    ),
    Sector(
        "aerospace", "航空航天",
        (I("C3743", "航天相关设备制造", 1, HIGH_END, 1.0), I("C3744", "航空相关设备制造", 1, HIGH_END, 1.0),
         I("C3742", "航天器及运载火箭制造", 0.3, HIGH_END, 1.0)),
        ("航天科技", "航空科技", "空间技术"), ("先进装备", "装备制造", "航空航天"), 0.30, 30, 0.5, 1.2, 0.6,
    ),
    Sector(
        "energy", "新能源",
        (I("C3811", "发电机及发电机组制造", 1, NEW_ENERGY, 0.6), I("C3825", "光伏设备及元器件制造", 1, NEW_ENERGY, 1.0),
         I("C3841", "锂离子电池制造", 1, NEV, 1.0), I("C3612", "新能源车整车制造", 0.3, NEV, 1.0),
         I("C3821", "变压器、整流器和电感器制造", 1, NEW_ENERGY, 0.4),
         I("D4415", "风力发电", 0.7, NEW_ENERGY, 1.0), I("D4416", "太阳能发电", 0.7, NEW_ENERGY, 1.0)),
        ("新能源", "电气", "光伏", "电力科技"), ("新能源",), 0.25, 40, 1.2, 0.4, 0.5,
    ),
    Sector(
        "env", "节能环保",
        (I("C3591", "环境保护专用设备制造", 2, GREEN, 1.0), I("C4210", "金属废料和碎屑加工处理", 1, GREEN, 1.0),
         I("N7723", "固体废物治理", 1, GREEN, 1.0), I("M7514", "节能技术推广服务", 1, GREEN, 1.0)),
        ("环保科技", "环境工程", "节能科技", "再生资源"), ("节能环保", "环保"), 0.30, 22, 1.0, 0.3, 0.0,
    ),
    Sector(
        "biomed", "生物医药",
        (I("C2710", "化学药品原料药制造", 1, BIO, 0.5), I("C2720", "化学药品制剂制造", 2, BIO, 0.6),
         I("C2740", "中成药生产", 2, BIO, 0.4), I("C2761", "生物药品制造", 1.5, BIO, 1.0),
         I("C2762", "基因工程药物和疫苗制造", 0.5, BIO, 1.0), I("C2770", "卫生材料及医药用品制造", 0.5, BIO, 0.3)),
        ("生物", "制药", "药业", "生物工程", "医药"), ("生物",), 0.38, 30, 0.6, 1.0, 0.3,
    ),
    Sector(
        "meddev", "医疗器械",
        (I("C3581", "医疗诊断、监护及治疗设备制造", 1, BIO, 1.0), I("C3584", "医疗、外科及兽医用器械制造", 1, BIO, 0.6),
         I("C4014", "实验分析仪器制造", 0.5, HIGH_END, 0.5)),
        ("医疗器械", "医疗科技", "仪器"), ("生物", "医疗"), 0.35, 25, 0.3, 1.0, 0.0,
    ),
    Sector(
        "electronics", "电子信息",
        (I("C3973", "集成电路制造", 1, NEW_IT, 1.0), I("C3976", "光电子器件制造", 1, NEW_IT, 1.0),
         I("C3982", "电子电路制造", 1, NEW_IT, 0.8), I("C3985", "电子专用材料制造", 1, NEW_IT, 1.0),
         I("C3921", "通信系统设备制造", 0.5, NEW_IT, 1.0), I("C3911", "计算机整机制造", 0.3, NEW_IT, 1.0),
         I("C3831", "电线、电缆制造", 0.5)),
        ("电子", "光电", "微电子", "电子科技", "半导体"), ("信息技术", "电子"), 0.26, 25, 0.7, 1.0, 0.3,
    ),
    Sector(
        "software", "软件和信息服务",
        (I("I6513", "应用软件开发", 2, NEW_IT, 0.9), I("I6531", "信息系统集成服务", 2, NEW_IT, 0.8),
         I("I6450", "互联网数据服务", 1, NEW_IT, 1.0), I("I6550", "信息处理和存储支持服务", 1, NEW_IT, 0.8),
         I("F5193", "互联网批发", 0.5)),
        ("软件", "信息技术", "数据科技", "网络科技", "数字科技"), ("信息技术", "软件", "现代服务业"),
        0.45, 18, 0.1, 0.8, -0.5,
    ),
    Sector(
        "rd_services", "科技服务",
        (I("M7320", "工程和技术研究和试验发展", 2, SERVICES, 1.0), I("M7310", "自然科学研究和试验发展", 0.5, SERVICES, 1.0),
         I("M7530", "科技中介服务", 1, SERVICES, 1.0), I("M7540", "创业空间服务", 1, SERVICES, 1.0),
         I("M7452", "检测服务", 1, SERVICES, 0.6), I("M7484", "工程设计活动", 1, SERVICES, 0.2),
         I("M7491", "工业设计服务", 0.5, SERVICES, 0.8)),
        ("科技", "技术研究院", "检测技术", "工程设计", "科技服务"), ("科技服务", "现代服务业"),
        0.50, 15, 0.1, 1.2, -0.6,
    ),
    Sector(
        "logistics", "现代物流",
        (I("G5821", "货物运输代理", 2), I("G5920", "通用仓储", 1), I("G5431", "普通货物道路运输", 2),
         I("G5941", "油气仓储", 0.5)),
        ("物流", "仓储", "供应链", "运输"), ("物流", "现代服务业"), 0.35, 14, 0.8, -0.8, -0.2,
    ),
    Sector(
        "trade", "商贸和商务服务",
        (I("F5199", "其他未列明批发业", 2), I("L7211", "企业总部管理", 1), I("L7212", "投资与资产管理", 1)),
        ("商贸", "贸易", "投资", "实业"), ("商贸", "现代服务业"), 0.15, 12, 0.1, -0.8, -0.3,
    ),
    Sector(
        "culture", "文化创意",
        (I("I6579", "其他数字内容服务", 1, DIGITAL, 1.0), I("R8626", "数字出版", 0.5, DIGITAL, 1.0)),
        ("文化传媒", "数字文化", "文化科技"), ("文化", "现代服务业"), 0.45, 12, 0.1, 0.2, -0.8,
    ),
    Sector(
        "food", "食品和农产品加工",
        (I("C1371", "蔬菜加工", 1), I("C1391", "淀粉及淀粉制品制造", 1), I("C1351", "牲畜屠宰", 1),
         I("C1431", "米、面制品制造", 1), I("C1491", "营养食品制造", 0.5), I("C1492", "保健食品制造", 0.5),
         I("C1512", "白酒制造", 0.5)),
        ("食品", "农业开发", "农产品", "清真食品"), ("轻工", "食品"), 0.22, 18, 0.8, -0.5, 0.0,
    ),
    Sector(
        "textile", "轻纺",
        (I("C1711", "棉纺纱加工", 1), I("C1721", "毛条和毛纱线加工", 1), I("C1819", "其他机织服装制造", 1)),
        ("纺织", "服饰", "毛纺"), ("轻工", "纺织"), 0.20, 10, 0.6, -0.8, -0.2,
    ),
    Sector(
        "building", "建材",
        (I("C3011", "水泥制造", 1), I("C3021", "水泥制品制造", 1), I("C3031", "粘土砖瓦及建筑砌块制造", 1),
         I("C3071", "建筑陶瓷制品制造", 1)),
        ("建材", "水泥", "陶瓷", "新型建材"), ("建筑材料", "建材"), 0.25, 22, 5.0, -0.6, 0.2,
    ),
    Sector(
        "agriculture", "现代农业和旅游",
        (I("A0141", "蔬菜种植", 1), I("N7869", "其他游览景区管理", 0.5)),
        ("农业", "生态农业", "旅游开发"), ("农业", "旅游"), 0.40, 8, 0.3, -1.0, -0.5,
    ),
    Sector(
        "construction", "建筑",
        (I("E4813", "市政道路工程建筑", 1),),
        ("建设工程", "建筑工程"), ("建筑",), 0.20, 20, 0.4, -0.8, 0.0,
    ),
)

# fmt: on

SECTOR_BY_CODE: dict[str, Sector] = {s.code: s for s in SECTORS}

# Words of 主导产业 texts → sectors. Matched longest first; a matched word is cut
# out of the text so that "石油化工装备制造" counts as equipment, not petrochemicals.
# fmt: off
KEYWORDS: dict[str, tuple[str, ...]] = {
    "石油化工装备": ("equipment",), "石化装备": ("equipment",), "高端能源装备": ("energy",),
    "能源装备": ("energy",), "环保设备": ("env",), "高端节能环保装备": ("env", "equipment"),
    "高端装备制造": ("equipment", "aerospace"), "矿山专用装备": ("equipment",), "农业机械": ("equipment",),
    "装备制造": ("equipment",), "先进制造": ("equipment",),
    "石化新材料": ("new_materials", "petrochem"), "有色金属新材料": ("new_materials", "nonferrous"),
    "稀土新材料": ("new_materials",), "有色金属深加工": ("nonferrous",), "有色冶金": ("nonferrous",),
    "有色金属": ("nonferrous",), "新材料": ("new_materials",),
    "石油炼制": ("petrochem",), "石油化工": ("petrochem",), "炼化": ("petrochem",), "油品储备": ("logistics",),
    "精细化工": ("fine_chem",), "化工": ("fine_chem",), "水性科技": ("fine_chem",),
    "冶金铸造": ("metallurgy",), "冶金": ("metallurgy",),
    "航空航天": ("aerospace",), "航天": ("aerospace",), "航空": ("aerospace",),
    "新能源": ("energy",), "智能电网": ("energy",), "电动汽车": ("energy",),
    "节能环保": ("env",), "城市矿产": ("env",), "再生资源": ("env",), "循环经济": ("env",),
    "医疗器械": ("meddev",), "生物医药": ("biomed",), "新医药": ("biomed",), "医药": ("biomed",),
    "生物": ("biomed",), "健康产品": ("biomed",),
    "电子信息": ("electronics", "software"), "蓝宝石": ("electronics",), "光电": ("electronics",),
    "微电子": ("electronics",), "电子": ("electronics",),
    "大数据": ("software",), "数据服务": ("software",), "软件": ("software",), "电子商务": ("software",),
    "科技研发": ("rd_services",), "科技孵化": ("rd_services",), "企业孵化": ("rd_services",),
    "科技服务": ("rd_services",), "设计咨询": ("rd_services",), "国际技术交流": ("rd_services", "trade"),
    "现代商贸物流": ("trade", "logistics"), "商贸": ("trade",), "总部经济": ("trade",),
    "现代服务业": ("trade", "rd_services", "software"), "金融服务": ("trade",),
    "现代物流": ("logistics",), "仓储物流": ("logistics",), "物流配送": ("logistics",), "物流": ("logistics",),
    "文化创意": ("culture",), "数字出版": ("culture",),
    "食品": ("food",), "农产品": ("food",), "农畜产品": ("food",), "农副产品": ("food",),
    "轻纺": ("textile",), "劳动密集型": ("textile",), "都市加工": ("textile",),
    "建材": ("building",), "陶瓷": ("building",),
    "现代农业": ("agriculture",), "休闲旅游": ("agriculture",), "生态旅游": ("agriculture",),
}
# fmt: on
_KEYWORDS_LONGEST_FIRST = sorted(KEYWORDS, key=len, reverse=True)

# Services found in every park whatever its 主导产业 (trading, investment, haulage, building).
GENERIC_SERVICES: tuple[tuple[str, float], ...] = (
    ("trade", 3.0),
    ("logistics", 1.0),
    ("construction", 1.0),
    ("rd_services", 0.5),
)


def sectors_of(texts: list[str]) -> list[str]:
    """Sectors named by 主导产业 texts, in first-mention order, without repeats."""
    found: list[str] = []
    for text in texts:
        rest = text
        for word in _KEYWORDS_LONGEST_FIRST:
            if word in rest:
                rest = rest.replace(word, "|")
                found += [s for s in KEYWORDS[word] if s not in found]
    return found


def is_industrial(code: str) -> bool:
    """工业 = sections B (mining), C (manufacturing), D (power, gas, water)."""
    return code[:1] in "BCD"


def high_tech_category(code: str) -> str:
    """The 高技术产业(制造业)分类(2017) category of a class code, or ""."""
    if code.startswith("C27"):
        return "医药制造业"
    if code.startswith("C374"):
        return "航空、航天器及设备制造业"
    if code.startswith("C391") or code in ("C3474", "C3475"):
        return "计算机及办公设备制造业"
    if code.startswith("C39"):
        return "电子及通信设备制造业"
    if code.startswith(("C358", "C401", "C402", "C404", "C409")):
        return "医疗仪器设备及仪器仪表制造业"
    if code in ("C2664", "C2665"):
        return "信息化学品制造业"
    return ""


# Pools for made-up 字号 (trade names) of enterprises.
ZIHAO_CHARS = (
    "金银华兴宏鑫泰瑞恒丰昌盛达通中天新海联源博创智远德信和安祥福汇凯隆晟洋峰云龙鹏陇河丝"
    "祁连星光明正大嘉润翔宇科元亚东方启航佳宁康美聚合众诚益力永长乾坤锦绣腾飞骏驰耀辉晨曦"
    "雅雄伟卓越精工立鼎尚品万邦环球百川德润铭轩瀚森林峻岭泓涛澜沣溢沃豪彩虹霖翼鸿鹰凌宸"
)
NAME_PREFIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "lanzhou": (("兰州", 0.6), ("甘肃", 0.4)),
    "baiyin": (("白银", 0.6), ("甘肃", 0.4)),
}
NEW_DISTRICT_PREFIX = "兰州新区"
LEGAL_FORMS = ("有限公司", "有限责任公司", "股份有限公司")

# 行政区划代码 (characters 3-8 of a credit code) by district.
AREA_CODES: dict[str, tuple[str, ...]] = {
    "lzxq": ("620121", "620122"),
    "lzgxq": ("620102", "620123", "620103"),
    "lzjjq": ("620105", "620104", "620111", "620122"),
    "bygxq": ("620402", "620403", "620422"),
}
DEFAULT_AREA_CODES = ("620100",)
