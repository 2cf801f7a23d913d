"""The pixels of published images, with Pillow: a local image measured, then encoded in
each width and format it is published in; and the social card of an article without an
image. Everything here is a pure function of its arguments (bytes in, bytes out), so
that its results can be cached by content and made in worker processes."""

from __future__ import annotations

import contextlib
import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import PIL
from PIL import (
    Image,
    ImageChops,
    ImageCms,
    ImageColor,
    ImageDraw,
    ImageFont,
    ImageOps,
    UnidentifiedImageError,
)

# The widths an image is published in (never wider than it is: see variant_widths).
WIDTHS = (480, 960, 1600)
WEBP_QUALITY = 80
WEBP_EFFORT = 2
JPEG_QUALITY = 82
# Pillow's names of the formats sitegen publishes in several widths, with their file
# extension and media type. Other files (SVG, GIF) are linked as they are.
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
# Everything but an image's bytes that decides what it is published as: part of every
# cache key and of the images' URLs, so that a change here publishes new files.
ENCODING = repr(("images-1", PIL.__version__, WIDTHS, WEBP_QUALITY, WEBP_EFFORT, JPEG_QUALITY))
CARD_SIZE = (1200, 630)
CARD_MARGIN = 80
# What a social card's look depends on, beside its text and colours.
CARD_DESIGN = repr(("card-1", PIL.__version__, CARD_SIZE))
# Pillow refuses to open an image of more pixels than this (a "decompression bomb").
Image.MAX_IMAGE_PIXELS = 100_000_000


class ImageReadError(Exception):
    """The bytes are not an image that sitegen can publish; the message says why."""


@dataclass(frozen=True)
class Measured:
    """An image's size as shown (EXIF orientation applied) and Pillow's name of its format."""

    width: int
    height: int
    format: str


def measure(data: bytes) -> Measured:
    """The image's displayed size and format; decodes it whole, so that a truncated or
    corrupt file is found here. Raises ImageReadError."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if image.format == "JPEG":  # decoded at an eighth of its size: all its data read, quickly
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            image.load()
            if image.getexif().get(0x0112) in (5, 6, 7, 8):  # turned a quarter: width and height swap
                width, height = height, width
            found = image.format or ""
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageReadError(_reason(exc)) from exc
    except (OSError, SyntaxError, ValueError) as exc:  # what Pillow raises for damaged files
        raise ImageReadError(f"it is damaged ({exc})") from exc
    if found not in FORMATS:
        raise ImageReadError(f"it is a {found or 'an unknown'} image; sitegen publishes JPEG, PNG and WebP")
    return Measured(width, height, found)


def _reason(exc: Exception) -> str:
    if isinstance(exc, Image.DecompressionBombError):
        return f"it has more than {Image.MAX_IMAGE_PIXELS:,} pixels"
    return "it is not an image Pillow can read"


def variant_widths(width: int) -> tuple[int, ...]:
    """The widths an image `width` pixels wide is published in: each of WIDTHS narrower
    than it, and its own width when that is under the largest (no image is enlarged, and
    the largest copy of a small image is as sharp as the original)."""
    widest = min(width, WIDTHS[-1])
    return (*(w for w in WIDTHS if w < widest), widest)


def scaled_height(measured: Measured, width: int) -> int:
    return max(1, round(measured.height * width / measured.width))


def encode(data: bytes, variants: Sequence[tuple[int, int, str]]) -> list[bytes]:
    """The image's bytes as each (width, height, format) of `variants`: turned as its EXIF
    orientation says, its colours in sRGB, and with no metadata at all (no EXIF, GPS,
    XMP, ICC profile or text chunks)."""
    with Image.open(io.BytesIO(data)) as opened:
        image = _in_srgb(ImageOps.exif_transpose(opened))
    resized: dict[tuple[int, int], Image.Image] = {image.size: image}  # each size once, for both formats
    results = []
    for width, height, form in variants:
        size = (width, height)
        if size not in resized:
            # Lanczos, after a box reduction to within 3 times the size: Pillow's own advice,
            # as good to the eye and several times as fast for a large original.
            resized[size] = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        results.append(_save(resized[size], form))
    return results


def _in_srgb(image: Image.Image) -> Image.Image:
    """The pixels in RGB(A) or greyscale, in sRGB, with nothing else kept: browsers show
    untagged images as sRGB, so an image with another colour profile is converted."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    profile = image.info.get("icc_profile")
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if has_alpha else "RGB")
    if profile and image.mode in ("RGB", "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
            )
            image = converted or image
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: the pixels as they are, as a browser would show them
    clean = image.copy()
    clean.info = {}
    return clean


def _save(image: Image.Image, form: str) -> bytes:
    out = io.BytesIO()
    if form == "JPEG":
        if image.mode == "RGBA":  # JPEG has no transparency: on white, as most pages are
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif form == "WEBP":
        # Effort 2 of 6: 2.5 times as fast as libwebp's default (4), for files 5% larger.
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_EFFORT)
    else:
        image.save(out, "PNG")
    return out.getvalue()


# Social cards ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CardColours:
    background: str
    text: str
    muted: str
    accent: str


DEFAULT_COLOURS = CardColours("#fbfaf8", "#1d1d1f", "#5b5b66", "#9b1c1c")
_ROOT_BLOCK = re.compile(r":root\s*\{([^}]*)\}")
_CUSTOM_PROPERTY = re.compile(r"--([\w-]+)\s*:\s*([^;]+);")


def theme_colours(stylesheet: str | None) -> CardColours:
    """The card's colours from the theme's stylesheet: the custom properties --bg, --text,
    --muted and --accent of its first `:root` block (its light scheme), where they are
    colours Pillow reads; the default theme's otherwise."""
    found = _ROOT_BLOCK.search(stylesheet or "")
    values = dict(_CUSTOM_PROPERTY.findall(found.group(1))) if found else {}

    def colour(name: str, default: str) -> str:
        value = values.get(name, "").strip()
        try:
            ImageColor.getrgb(value)
        except ValueError:
            return default
        return value

    return CardColours(
        colour("bg", DEFAULT_COLOURS.background),
        colour("text", DEFAULT_COLOURS.text),
        colour("muted", DEFAULT_COLOURS.muted),
        colour("accent", DEFAULT_COLOURS.accent),
    )


@dataclass(frozen=True)
class CardStyle:
    """How a theme's cards look: its colours, and the fonts it ships (paths of TrueType or
    OpenType files: the text's and the title's), or None for Pillow's own font."""

    colours: CardColours
    font: str | None = None
    title_font: str | None = None
    fonts_digest: str = ""  # of the font files' bytes: a new font makes new cards


@dataclass(frozen=True)
class CardText:
    site_title: str
    title: str
    byline: str  # the source and the date


_SHADES = 16  # anti-aliasing steps between the background and each colour


def draw_card(text: CardText, style: CardStyle) -> bytes:
    """A 1200 x 630 PNG: the site's title, the article's title wrapped to fit (smaller
    type for a longer title, cut with an ellipsis past its lines), and the byline, in the
    theme's colours and fonts.

    Each colour is drawn as a greyscale coverage mask, and the card is written as a
    palette image (the background, and 16 shades from it to each colour): a third of the
    bytes to compress, for a build that makes one card per article."""
    width, height = CARD_SIZE
    inner = width - 2 * CARD_MARGIN
    colours = style.colours
    masks = {name: Image.new("L", CARD_SIZE, 0) for name in ("accent", "muted", "text")}
    ImageDraw.Draw(masks["accent"]).rectangle((0, 0, width, 14), fill=255)
    site_font = _font(style.font, 34)
    ImageDraw.Draw(masks["accent"]).text(
        (CARD_MARGIN, 70), _fit(text.site_title, site_font, inner), font=site_font, fill=255
    )
    byline_font = _font(style.font, 30)
    byline = _fit(text.byline, byline_font, inner)
    ImageDraw.Draw(masks["muted"]).text(
        (CARD_MARGIN, height - 70), byline, font=byline_font, fill=255, anchor="ls"
    )
    space = (150, height - 130)  # from below the site's title to above the byline
    for size in (76, 68, 60, 52, 46, 40):
        font = _font(style.title_font or style.font, size)
        lines = _wrap(text.title, font, inner)
        step = round(size * 1.2)
        if len(lines) * step <= space[1] - space[0]:
            break
    shown = lines[: (space[1] - space[0]) // step]
    if len(shown) < len(lines):  # too long even in the smallest type: cut, and say so
        last = shown[-1]
        while " " in last and font.getlength(last + " …") > inner:
            last = last.rsplit(" ", 1)[0]
        shown[-1] = last + " …"
    draw = ImageDraw.Draw(masks["text"])
    for number, line in enumerate(shown):
        draw.text((CARD_MARGIN, space[0] + number * step), line, font=font, fill=255)
    # Palette index 0 is the background; colour k's shades are 1 + k * _SHADES + shade.
    background = ImageColor.getrgb(colours.background)[:3]
    palette = list(background)
    card = Image.new("L", CARD_SIZE, 0)
    for k, name in enumerate(masks):
        colour = ImageColor.getrgb(getattr(colours, name))[:3]
        for shade in range(_SHADES):
            mix = (shade + 1) / _SHADES
            palette += [round(b + (c - b) * mix) for b, c in zip(background, colour, strict=True)]
        first = 1 + k * _SHADES
        shades = masks[name].point(
            lambda v, first=first: 0 if v < 8 else first + min(_SHADES - 1, v * _SHADES // 256)
        )
        card = ImageChops.lighter(card, shades)  # the colours never overlap: the one drawn wins
    indexed = card.convert("P")
    indexed.putpalette(palette)
    out = io.BytesIO()
    indexed.save(out, "PNG")
    return out.getvalue()


@functools.lru_cache(maxsize=32)
def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The font at `path` in `size` pixels, or Pillow's own (Latin letters only)."""
    if path is not None:
        with contextlib.suppress(OSError):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """Words into lines no wider than `width` (a word wider than that is cut)."""
    lines: list[str] = []
    for word in text.split():
        word = _fit(word, font, width)
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [""]


def _fit(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> str:
    """`text` on one line, shortened with an ellipsis until it is no wider than `width`."""
    text = " ".join(text.split())
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"
