"""A trend series as a small PNG line chart (SPEC I-04), drawn with Pillow."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

WIDTH, HEIGHT, MARGIN = 480, 240, 36


def trend_png(points: list[tuple[str, float]]) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = MARGIN, MARGIN // 2, WIDTH - MARGIN // 2, HEIGHT - MARGIN
    draw.line([(left, top), (left, bottom), (right, bottom)], fill="black", width=1)
    if points:
        values = [v for _, v in points]
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        step = (right - left) / max(len(points) - 1, 1)
        xy = [
            (left + i * step, bottom - (v - low) / span * (bottom - top - 10) - 5)
            for i, v in enumerate(values)
        ]
        if len(xy) > 1:
            draw.line(xy, fill=(200, 30, 30), width=3)
        for x, y in xy:
            draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(200, 30, 30))
        draw.text((2, top), f"{high:g}", fill="black")
        draw.text((2, bottom - 10), f"{low:g}", fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
