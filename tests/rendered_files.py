"""What a browser wrote, read without extra libraries: the text of each page of a PDF that
Chromium printed, and the pixels of a PNG screenshot it took (the report tests)."""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass


def pdf_page_texts(data: bytes) -> list[str]:
    """The text of each page of a PDF printed by Chromium (Skia), in page order: each font's
    ToUnicode map applied to the strings its text operators show; one line per text object."""
    objects: dict[int, tuple[bytes, bytes]] = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*", data):
        start = match.end()
        end = data.find(b"endobj", start)
        at = data.find(b"stream", start, end)
        if at == -1:
            objects[int(match.group(1))] = (data[start:end], b"")
            continue
        head = data[start:at]
        length = int(re.search(rb"/Length (\d+)", head).group(1))
        begin = at + 6 + (2 if data[at + 6 : at + 8] == b"\r\n" else 1)
        body = data[begin : begin + length]
        objects[int(match.group(1))] = (
            head,
            zlib.decompress(body) if b"/FlateDecode" in head else body,
        )

    def ref(head: bytes, key: bytes) -> tuple[bytes, bytes] | None:
        found = re.search(rb"/" + key + rb"\s+(\d+) 0 R", head)
        return objects[int(found.group(1))] if found else None

    def unicode_map(cmap: bytes) -> dict[int, str]:
        table = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, text in re.findall(rb"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
                first = int(text, 16)
                for offset, _ in enumerate(range(int(low, 16), int(high, 16) + 1)):
                    table[int(low, 16) + offset] = chr(first + offset)
        return table

    def page_text(head: bytes) -> str:
        resources = ref(head, b"Resources")
        resources_head = resources[0] if resources else head
        fonts = {}
        font_dict = re.search(rb"/Font\s*<<(.*?)>>", resources_head, re.S)
        for name, number in re.findall(
            rb"/(\w+)\s+(\d+) 0 R", font_dict.group(1) if font_dict else b""
        ):
            cmap = ref(objects[int(number)][0], b"ToUnicode")
            fonts[name] = unicode_map(cmap[1]) if cmap else {}
        content = ref(head, b"Contents")
        parts: list[str] = []
        font: dict[int, str] = {}
        shows = rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|\[(.*?)\]\s*TJ|\bET\b"
        for op in re.finditer(shows, content[1] if content else b"", re.S):
            if op.group(1):
                font = fonts.get(op.group(1), {})
            elif op.group(0) == b"ET":
                parts.append("\n")
            else:
                strings = (
                    [op.group(2)]
                    if op.group(2) is not None
                    else re.findall(rb"<([0-9A-Fa-f]*)>", op.group(3))
                )
                for codes in (s.decode() for s in strings):
                    parts.append(
                        "".join(
                            font.get(int(codes[i : i + 4], 16), "\ufffd")
                            for i in range(0, len(codes), 4)
                        )
                    )
        return "".join(parts)

    catalogue = next(head for head, _ in objects.values() if b"/Type /Catalog" in head)
    texts: list[str] = []

    def walk(node: bytes) -> None:
        kids = re.search(rb"/Kids\s*\[(.*?)\]", node, re.S)
        if kids is None:
            texts.append(page_text(node))
            return
        for number in re.findall(rb"(\d+) 0 R", kids.group(1)):
            walk(objects[int(number)][0])

    walk(ref(catalogue, b"Pages")[0])
    return texts


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    pixels: list[bytes]  # one RGB(A) row each

    def colours(self) -> dict[bytes, int]:
        """How many pixels have each RGB colour."""
        bpp = len(self.pixels[0]) // self.width
        counts: dict[bytes, int] = {}
        for row in self.pixels:
            for i in range(0, len(row), bpp):
                colour = row[i : i + 3]
                counts[colour] = counts.get(colour, 0) + 1
        return counts


def png_image(data: bytes) -> Image:
    """A PNG (8-bit RGB or RGBA, not interlaced, as Chromium writes its screenshots)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, chunks, header = 8, [], None
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        at += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert (depth, colour in (2, 6), interlace) == (8, True, 0), header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:  # sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:  # up
            line = bytearray((a + b) & 255 for a, b in zip(line, previous, strict=True))
        elif kind == 3:  # average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:  # paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return Image(width, height, rows)
