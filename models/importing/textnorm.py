"""Character-level normalisation used for matching, never for output.

Published plans mix full-width and ASCII punctuation and occasionally traditional characters
(牽頭, 負責).  Every regular expression in the importer runs on ``fold(text)``, a translation that
maps *one character to one character*, so a match span in the folded text is also a valid span in
the original text and names can be reported exactly as written.
"""

from __future__ import annotations

# Traditional -> simplified, limited to characters that occur in role markers, unit names and
# deadline phrases.  A full converter would be a dependency for little gain.
_TRADITIONAL = (
    "牽牵頭头負负責责參参與与協协辦办單单門门時时間间務务員员會会縣县區区鎮镇鄉乡財财處处廳厅"
    "資资規规劃划設设發发織织組组關关機机構构編编國国衛卫環环護护農农業业體体藝艺執执監监審审"
    "計计統统檔档態态議议黨党產产導导應应場场點点號号們们開开幹干於于為为實实現现進进調调後后"
    "個个內内達达電电廣广傳传紀纪歸归聯联經经濟济稅税數数據据醫医療疗險险糧粮運运輸输郵邮貿贸"
    "際际僑侨對对將将長长項项預预驗验檢检測测質质營营銷销鐵铁氣气車车學学習习歷历線线東东華华"
    "費费勞劳動动將将爲为擔担協协屬属軍军稱称級级權权觀观規规寬宽轉转廠厂廢废熱热層层遞递"
    "總总書书節节條条區区寫写萬万億亿與与這这見见則则兩两閱阅錄录複复製制術术標标準准書书"
    "週周內内獎奖懲惩權权隊队級级務务鹽盐礦矿僅仅產产參参記记誌志"
    "館馆領领強强綠绿園园輿舆論论圖图雲云陽阳慶庆豐丰臺台區区災灾險险認认識识選选舉举勢势"
    "專专項项頒颁佈布擬拟訂订療疗遷迁職职責责課课類类結结構构織织維维護护")
TRAD_TO_SIMP: dict[str, str] = {
    _TRADITIONAL[i]: _TRADITIONAL[i + 1] for i in range(0, len(_TRADITIONAL) - 1, 2)
}

_FOLD_TABLE: dict[int, str] = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_FOLD_TABLE[0x3000] = " "
_FOLD_TABLE[0x00A0] = " "
_FOLD_TABLE.update({ord(t): s for t, s in TRAD_TO_SIMP.items()})


def fold(text: str) -> str:
    """Full-width ASCII -> ASCII, traditional -> simplified; same length as ``text``."""
    return text.translate(_FOLD_TABLE)


CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}


def cn_to_int(text: str) -> int | None:
    """'十二' -> 12, '二十一' -> 21, '7' -> 7; None when ``text`` is not a small number."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CN_DIGITS[ch]
    return total + current


def int_to_cn(value: int) -> str:
    """12 -> '十二', 121 -> '一百二十一' for section codes and rendered numbering (0..9999; larger as digits)."""
    digits = "零一二三四五六七八九"
    if value < 0 or value > 9999:
        return str(value)
    if value < 10:
        return digits[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    text, zero = "", False
    for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit, value = divmod(value, size)
        if digit:
            text += ("零" if zero and text else "") + digits[digit] + unit
            zero = False
        else:
            zero = bool(text)
    return text
