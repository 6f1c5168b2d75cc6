"""Fonts for text in any of the workbook's scripts, in charts and pages.

Matplotlib 3.11 lays text out with libraqm (HarfBuzz shaping and the Unicode bidi algorithm), so
Arabic labels join and run right to left with no reshaping library; it only needs a font with
Arabic glyphs. Charts whose text is in a right-to-left script take an Arabic face first
(:data:`ARABIC_FONTS`: Debian's ``fonts-noto-ui-core`` gives Noto Sans Arabic UI; ``make
install-test``/``make run`` install it where apt is usable), with DejaVu Sans (shipped with
matplotlib, which has Arabic glyphs too) after it, so a machine without the Debian font still
draws correct, joined Arabic. Nothing is downloaded. Charts are SVG with their text kept as text,
so the browser or the PDF printer draws it with the same font names (:func:`css_family`).
"""
from __future__ import annotations

import functools
import glob
import unicodedata

#: Arabic faces, best first, as matplotlib and fontconfig name them.
ARABIC_FONTS = ("Noto Sans Arabic UI", "Noto Sans Arabic", "Noto Naskh Arabic UI", "Noto Naskh Arabic", "Amiri")
#: Where Debian puts them (registered with matplotlib explicitly: its font cache may predate them).
FONT_FILES = ("/usr/share/fonts/truetype/noto/Noto*Arabic*-Regular.ttf",
              "/usr/share/fonts/truetype/noto/Noto*Arabic*-Bold.ttf",
              "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf",
              "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Bold.ttf")
LATIN_FONT = "DejaVu Sans"


def has_rtl(*texts) -> bool:
    """Whether any of the texts holds a right-to-left letter (Arabic, Hebrew, Syriac, Thaana...)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for t in texts for ch in str(t))


@functools.cache
def arabic_font() -> str | None:
    """The best Arabic face matplotlib can use here (registering Debian's files), or None."""
    from matplotlib import font_manager
    known = {f.name for f in font_manager.fontManager.ttflist}
    for pattern in FONT_FILES:
        for path in sorted(glob.glob(pattern)):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable file: skip it
                continue
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in ARABIC_FONTS if name in known), None)


def font_rc(*texts) -> dict:
    """matplotlib settings for a chart showing these texts: an Arabic face first when any is in a
    right-to-left script (DejaVu Sans after it, for Latin letters and as the fallback)."""
    if not has_rtl(*texts):
        return {}
    face = arabic_font()
    return {"font.family": [face, LATIN_FONT] if face else [LATIN_FONT]}


def css_family(*texts) -> str:
    """A CSS ``font-family`` list for text in SVG or HTML: Arabic faces first for right-to-left text."""
    latin = f"{LATIN_FONT}, Arial, sans-serif"
    if not has_rtl(*texts):
        return latin
    return ", ".join(f"'{name}'" for name in ARABIC_FONTS) + ", " + latin
