#!/usr/bin/env python3
"""Renders a colour capture of a terminal (`tmux capture-pane -p -e`) as an 8-bit PNG.

    scripts/ansi-shot.py CAPTURE.txt OUT.png [--cols N] [--rows N]

A small SGR interpreter (bold, reverse, 16/256/RGB colours) and DejaVu Sans Mono; the half and
full blocks are painted as rectangles so heatmaps show without font gaps. Used for the
before/after screenshots in docs/screenshots; nothing in the test suite needs it.
"""
import re, sys, unicodedata
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
BASE16 = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
          (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255)]
DEFAULT_FG, DEFAULT_BG = (220, 220, 220), (24, 24, 24)

def xterm256(n):
    if n < 16: return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    v = 8 + 10 * (n - 232)
    return (v, v, v)

def parse(text):
    """Rows of cells (char, fg, bg, bold), fg/bg None for the default."""
    rows = []
    fg = bg = None; bold = rev = False
    for line in text.split("\n"):
        cells = []
        i = 0
        while i < len(line):
            m = re.match(r"\x1b\[([0-9;:]*)m", line[i:])
            if m:
                codes = [int(c) if c else 0 for c in re.split("[;:]", m.group(1))] if m.group(1) else [0]
                j = 0
                while j < len(codes):
                    c = codes[j]
                    if c == 0: fg = bg = None; bold = rev = False
                    elif c == 1: bold = True
                    elif c == 22: bold = False
                    elif c == 7: rev = True
                    elif c == 27: rev = False
                    elif 30 <= c <= 37: fg = BASE16[c - 30]
                    elif 90 <= c <= 97: fg = BASE16[c - 82]
                    elif 40 <= c <= 47: bg = BASE16[c - 40]
                    elif 100 <= c <= 107: bg = BASE16[c - 92]
                    elif c == 39: fg = None
                    elif c == 49: bg = None
                    elif c in (38, 48):
                        if j + 1 < len(codes) and codes[j + 1] == 5:
                            col = xterm256(codes[j + 2]); j += 2
                        else:
                            col = tuple(codes[j + 2:j + 5]); j += 4
                        if c == 38: fg = col
                        else: bg = col
                    j += 1
                i += m.end()
                continue
            if line[i] == "\x1b":
                m = re.match(r"\x1b[^a-zA-Z]*[a-zA-Z]", line[i:])
                i += m.end() if m else 1
                continue
            ch = line[i]
            f, b = (bg, fg) if rev else (fg, bg)
            if rev:
                f = f or DEFAULT_BG; b = b or DEFAULT_FG
            cells.append((ch, f, b, bold))
            if unicodedata.east_asian_width(ch) in "WF": cells.append(("", f, b, bold))
            i += 1
        rows.append(cells)
    return rows

def render(rows, cols, nrows, out):
    font, bold = ImageFont.truetype(FONT, 13), ImageFont.truetype(BOLD, 13)
    cw = round(font.getlength("M")); ch = 16
    img = Image.new("RGB", (cols * cw, nrows * ch), DEFAULT_BG)
    d = ImageDraw.Draw(img)
    for y, cells in enumerate(rows[:nrows]):
        for x, (c, f, b, bd) in enumerate(cells[:cols]):
            f = f or DEFAULT_FG; b = b or DEFAULT_BG
            x0, y0 = x * cw, y * ch
            d.rectangle([x0, y0, x0 + cw - 1, y0 + ch - 1], fill=b)
            if c == "▀": d.rectangle([x0, y0, x0 + cw - 1, y0 + ch // 2 - 1], fill=f)
            elif c == "▄": d.rectangle([x0, y0 + ch // 2, x0 + cw - 1, y0 + ch - 1], fill=f)
            elif c == "█": d.rectangle([x0, y0, x0 + cw - 1, y0 + ch - 1], fill=f)
            elif c.strip():
                d.text((x0, y0 + 1), c, font=bold if bd else font, fill=f)
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)

if __name__ == "__main__":
    args = sys.argv[1:]
    cols = int(args[args.index("--cols") + 1]) if "--cols" in args else None
    nrows = int(args[args.index("--rows") + 1]) if "--rows" in args else None
    rows = parse(open(args[0], encoding="utf-8").read().rstrip("\n"))
    render(rows, cols or max(len(r) for r in rows), nrows or len(rows), args[1])
