"""Search keys computed from a customer's data (pinyin of the name, reversed numbers for tail search)."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=65536)  # common names repeat: imports of 100,000 rows hit the cache often
def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) in lower case: 张三 → ("zs", "zhangsan"); Latin letters are kept."""
    name = (name or "").strip()
    if not name:
        return "", ""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors=lambda s: list(s))
    letters = [s.lower() for s in syllables if s and s[0].isalnum()]
    initials = "".join(s[0] for s in letters)[:100]
    full = "".join(letters)[:300]
    return initials, full


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def reverse(text: str) -> str:
    return (text or "")[::-1]


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text or "")
