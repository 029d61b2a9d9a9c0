"""Find a Chinese font to embed in contract PDFs.

The PDF embeds a subset of the font, so a reader needs no Chinese font of its own. We look, in
order, for a configured file, then the Debian packages' fonts: ``fonts-noto-cjk`` (Noto Serif CJK
SC, a Song-style face suited to contracts; Noto Sans CJK SC next) and ``fonts-wqy-microhei``.
One regular face only: headings are set larger, not bold, because subsetting a second CJK face
would double the time a PDF takes (about 0.5 s per face on this machine).
Noto's Debian files are collections (.ttc) holding JP, KR, SC, TC and HK faces: the face is
picked by name, never by position, so a reordered collection still gives Simplified Chinese.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# (file, family names to prefer inside it), best first.
CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", ("Noto Serif CJK SC",)),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", ("Noto Sans CJK SC",)),
    ("/usr/share/fonts/truetype/noto/NotoSerifCJK-Regular.ttc", ("Noto Serif CJK SC",)),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", ("Noto Sans CJK SC",)),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", ("WenQuanYi Micro Hei",)),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", ("WenQuanYi Zen Hei",)),
)
SAMPLE = "技术合同甲乙方人民币壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整（）：，。"


class FontNotFound(RuntimeError):
    """No usable Chinese font: install fonts-noto-cjk or set SIGNING_FONT."""


@dataclass(frozen=True)
class Font:
    """A font file and the index of the face to use inside a collection (0 for a single font)."""

    path: str
    index: int = 0
    name: str = ""


def _face_index(path, families):
    """The index of the face in a .ttc/.ttf named in ``families`` (else the first) that covers SAMPLE."""
    from fontTools.ttLib import TTCollection, TTFont

    collection = str(path).lower().endswith((".ttc", ".otc"))
    with TTCollection(path, lazy=True) if collection else TTFont(path, lazy=True) as fonts:
        faces = fonts.fonts if collection else [fonts]
        names = [face["name"].getDebugName(1) or "" for face in faces]
        order = sorted(range(len(faces)), key=lambda i: (names[i] not in families, i))
        for i in order:
            cmap = faces[i].getBestCmap() or {}
            if all(ord(ch) in cmap for ch in SAMPLE):
                return i, names[i]
    raise FontNotFound(f"{path}: no face covers Chinese contract text")


@lru_cache(maxsize=8)
def find_font(configured: str | None = None) -> Font:
    """The configured font (``path`` or ``path#index``) or the best Debian CJK font found."""
    if configured:
        path, _, index = configured.partition("#")
        if not Path(path).is_file():
            raise FontNotFound(f"SIGNING_FONT {path} does not exist")
        i, name = (int(index), "") if index else _face_index(path, ())
        return Font(path, i, name or Path(path).stem)
    for path, families in CANDIDATES:
        if Path(path).is_file():
            i, name = _face_index(path, families)
            return Font(path, i, name)
    raise FontNotFound(
        "没有找到中文字体：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）或在配置中设置 SIGNING_FONT"
    )


@lru_cache(maxsize=8)
def covered(font: Font) -> frozenset:
    """The code points the font's face can draw (anything else would be left out of the PDF)."""
    from fontTools.ttLib import TTFont

    with TTFont(font.path, fontNumber=font.index, lazy=True) as face:
        return frozenset(face.getBestCmap() or {})
