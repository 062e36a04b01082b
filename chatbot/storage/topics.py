"""The key that decides when two endorsement topics are the same topic.

Topics are typed by people and shown back to them, so a key has to group what a
reader would call the same word: `Python`, `ＰＹＴＨＯＮ` (full width), `pythön`
and `pythоn` (with a Cyrillic о) are one topic, or the once-a-week limit could
be dodged with look-alikes. The steps follow Unicode TR39's skeleton idea:

1. NFKC folds compatibility forms (full-width letters, ligatures, superscripts);
2. combining marks are dropped (after NFD), so accents and stacked marks don't
   make a new topic;
3. letters from Cyrillic and Greek that are drawn like a Latin letter are read
   as that letter (the table below, taken from TR39's confusables data for
   those two scripts, limited to prototypes that are a plain Latin letter);
4. case is folded and runs of spaces collapse.

Digits are left alone: `python 3` and `python l` are different topics.

Changing this function changes stored keys: add a migration that recomputes
them (0006 does, through the `klout_topic_key` SQL function).
"""

from __future__ import annotations

import unicodedata

CAPITAL_LOOKALIKES: dict[str, str] = {
    # Read before case folding: `Ν` (Greek Nu) is drawn like N, its small `ν` like v.
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K",
    "М": "M", "О": "O", "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y", "Ԛ": "Q",
    "Ԝ": "W", "Ү": "Y", "Ӏ": "I",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}
SMALL_LOOKALIKES: dict[str, str] = {
    # Cyrillic small letters; в, к, м, н and т are small capitals of their Latin
    # twins, so a word keeps its key whatever its case.
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "н": "h", "і": "i",
    "ј": "j", "к": "k", "ӏ": "l", "м": "m", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s",
    "т": "t", "ԝ": "w", "х": "x", "у": "y", "ү": "y",
    # Greek small letters
    "α": "a", "ι": "i", "ν": "v", "ο": "o", "ρ": "p", "ϲ": "c", "ϳ": "j",
    # Latin letters drawn like another Latin letter
    "ı": "i", "ɑ": "a", "ȷ": "j", "ɡ": "g",
}
_CAPITALS = str.maketrans(CAPITAL_LOOKALIKES)
_SMALL = str.maketrans(SMALL_LOOKALIKES)
_MARKS = ("Mn", "Me")


def topic_key(topic: str) -> str:
    """`Python`, ` python ` and `ｐｙｔｈｏｎ` share one key; see the module text."""
    folded = unicodedata.normalize("NFKC", topic)
    bare = "".join(ch for ch in unicodedata.normalize("NFD", folded)
                   if unicodedata.category(ch) not in _MARKS)
    latin = unicodedata.normalize("NFKC", bare).translate(_CAPITALS).casefold().translate(_SMALL)
    return " ".join(latin.split())
