"""Draws the sample briefing's images with Pillow: invented scenes, a map and a chart made
for this project (no news photos). Run from the repository root to make them again:

    python tools/draw_sample_images.py

One photo-like image is stored turned a quarter, with an EXIF orientation tag (and an
invented GPS position) saying how to show it, as a phone camera writes it: the build
must turn it upright and drop both.
"""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent


def gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    _width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        mix = y / max(1, height - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    return column.resize(size)


def container_terminal() -> Image.Image:
    """Dusk over a container terminal: stacks of boxes, idle cranes, still water."""
    rng = random.Random(14)
    width, height = 1600, 1000
    image = gradient((width, height), (38, 52, 92), (236, 150, 98))
    draw = ImageDraw.Draw(image)
    horizon = 640
    draw.rectangle((0, horizon, width, height), fill=(30, 48, 66))
    for y in range(horizon, height, 6):  # ripples
        shade = 40 + (y - horizon) // 8
        draw.line(
            (rng.randrange(0, width), y, rng.randrange(0, width), y),
            fill=(shade, shade + 18, shade + 36),
            width=2,
        )
    colours = [(178, 58, 44), (46, 96, 150), (204, 160, 52), (70, 120, 84), (120, 124, 130)]
    for stack in range(22):
        x = 40 + stack * 70
        for level in range(rng.randrange(2, 7)):
            y = horizon - 34 * (level + 1)
            draw.rectangle((x, y, x + 64, y + 30), fill=rng.choice(colours), outline=(20, 24, 30))
    for x in (260, 720, 1180):  # cranes
        draw.line((x, horizon, x, 240), fill=(24, 28, 36), width=14)
        draw.line((x + 90, horizon, x + 90, 240), fill=(24, 28, 36), width=14)
        draw.line((x - 160, 250, x + 300, 250), fill=(24, 28, 36), width=18)
        draw.line((x + 45, 250, x + 45, 160), fill=(24, 28, 36), width=8)
        draw.line((x - 160, 250, x + 45, 160), fill=(24, 28, 36), width=4)
        draw.line((x + 300, 250, x + 45, 160), fill=(24, 28, 36), width=4)
    return image.filter(ImageFilter.SMOOTH)


def route_map() -> Image.Image:
    """A schematic map of the two routes between Asia and Europe: through the Red Sea and
    Suez, and around the Cape of Good Hope."""
    width, height = 1400, 900
    image = Image.new("RGB", (width, height), (184, 214, 232))
    draw = ImageDraw.Draw(image)
    land = (236, 228, 206)
    edge = (150, 140, 118)
    africa = [
        (520, 250),
        (640, 230),
        (760, 300),
        (800, 380),
        (880, 420),
        (820, 560),
        (760, 700),
        (690, 820),
        (630, 830),
        (600, 700),
        (560, 560),
        (480, 470),
        (430, 380),
        (460, 290),
    ]
    europe = [(420, 60), (760, 40), (860, 120), (780, 200), (640, 210), (520, 230), (430, 180)]
    asia = [
        (860, 120),
        (1380, 60),
        (1390, 520),
        (1220, 560),
        (1120, 430),
        (1000, 400),
        (900, 300),
        (800, 330),
        (780, 200),
    ]
    arabia = [(810, 300), (900, 300), (980, 400), (920, 450), (860, 410)]
    for shape in (africa, europe, asia, arabia):
        draw.polygon(shape, fill=land, outline=edge)
    font = ImageFont.load_default(size=30)
    route = [(1300, 560), (1050, 520), (900, 470), (840, 420), (800, 330), (760, 240), (560, 230), (300, 170)]
    cape = [(1300, 560), (1050, 620), (800, 760), (660, 880), (500, 760), (400, 520), (330, 300), (300, 170)]
    for points, colour in ((route, (155, 28, 28)), (cape, (31, 78, 140))):
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            steps = max(1, int(math.dist((x1, y1), (x2, y2)) // 24))
            for n in range(0, steps, 2):  # dashes
                a, b = n / steps, min(1, (n + 1) / steps)
                draw.line(
                    (x1 + (x2 - x1) * a, y1 + (y2 - y1) * a, x1 + (x2 - x1) * b, y1 + (y2 - y1) * b),
                    fill=colour,
                    width=7,
                )
    draw.text((860, 470), "Suez route", font=font, fill=(155, 28, 28))
    draw.text((830, 780), "Cape route", font=font, fill=(31, 78, 140))
    draw.text((40, 850), "Schematic, not to scale", font=ImageFont.load_default(size=22), fill=(70, 80, 90))
    return image


def rates_chart() -> Image.Image:
    """A bar chart of an invented freight rate index, week by week."""
    width, height = 1200, 700
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=24)
    values = [100, 104, 131, 188, 243, 265, 259, 231, 212, 198, 190, 186]
    left, bottom, top = 110, 620, 90
    scale = (bottom - top) / 300
    for level in range(0, 301, 50):
        y = bottom - level * scale
        draw.line((left, y, width - 40, y), fill=(225, 225, 225), width=2)
        draw.text((left - 14, y), str(level), font=font, fill=(90, 90, 90), anchor="rm")
    bar = (width - left - 60) / len(values)
    for n, value in enumerate(values):
        x = left + 10 + n * bar
        draw.rectangle(
            (x, bottom - value * scale, x + bar - 18, bottom),
            fill=(155, 28, 28) if value > 200 else (31, 78, 140),
        )
        draw.text((x + (bar - 18) / 2, bottom + 12), f"W{n + 1}", font=font, fill=(90, 90, 90), anchor="mt")
    draw.text(
        (left, 30),
        "Container freight index, Asia to Europe (week 1 = 100)",
        font=ImageFont.load_default(size=30),
        fill=(29, 29, 31),
    )
    return image


def strait_patrol() -> Image.Image:
    """Ships in a strait at first light, upright (the file stores it turned)."""
    rng = random.Random(9)
    width, height = 1500, 1000
    image = gradient((width, height), (250, 214, 160), (90, 130, 170))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 420), (300, 360), (520, 400), (700, 380), (700, 460), (0, 470)], fill=(96, 104, 118))
    draw.polygon([(900, 400), (1200, 350), (1500, 380), (1500, 470), (900, 460)], fill=(110, 116, 130))
    draw.rectangle((0, 460, width, height), fill=(58, 96, 132))
    for _ in range(6):
        x, y = rng.randrange(60, width - 260), rng.randrange(520, 900)
        length = rng.randrange(140, 260)
        draw.polygon(
            [(x, y), (x + length, y), (x + length - 30, y + 34), (x + 20, y + 34)], fill=(40, 44, 52)
        )
        draw.rectangle((x + length * 0.6, y - 40, x + length * 0.8, y), fill=(220, 220, 224))
    return image.filter(ImageFilter.SMOOTH)


def save_turned(image: Image.Image, path: Path) -> None:
    """Store the image turned a quarter to the left, with EXIF orientation 6 ("turn it a
    quarter to the right to show it") and a GPS position, as a phone would."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "Example Camera Co."  # Make
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (24.0, 30.0, 0.0), 3: "E", 4: (119.0, 30.0, 0.0)})
    image.transpose(Image.Transpose.ROTATE_90).save(path, "JPEG", quality=88, exif=exif)


def narrowed(image: Image.Image, width: int) -> Image.Image:
    """The drawing scaled down to `width` pixels: drawn large, stored at a web size."""
    return image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)


def main() -> None:
    # One image of 1600 pixels (published at 480, 960 and 1600), the others narrower.
    container_terminal().save(ROOT / "content/2024/03/rotterdam-terminal.jpg", "JPEG", quality=86)
    narrowed(route_map(), 1200).save(ROOT / "content/2025/01/cape-route-map.png", "PNG", optimize=True)
    narrowed(rates_chart(), 1000).save(ROOT / "static/images/freight-rate-index.png", "PNG", optimize=True)
    save_turned(narrowed(strait_patrol(), 1200), ROOT / "content/2024/09/strait-at-first-light.jpg")


if __name__ == "__main__":
    main()
