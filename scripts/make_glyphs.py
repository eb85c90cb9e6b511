"""Render the glyph templates behind ``learnnet.datasets.load_digits`` / ``load_letters``.

Run from the repository root (needs matplotlib, which is *not* needed at run time)::

    python scripts/make_glyphs.py            # writes learnnet/datasets/data/glyphs.npz
    python scripts/make_glyphs.py --check    # only compares with the shipped file

How a template is made, for each font and each character:

1. matplotlib's ``TextPath`` reads the character's outline from the font file
   (unhinted: the font's own Bezier curves, no FreeType rasteriser involved).
2. The curves are flattened into straight edges, and the glyph is scaled so that
   the longer side of its bounding box is ``BOX`` pixels, centred in a
   ``SIZE`` x ``SIZE`` square (as MNIST fits each digit into a fixed box).
3. A small NumPy scanline rasteriser fills the outline with the non-zero winding
   rule, the rule TrueType fonts use: ``OVERSAMPLE`` scanlines per pixel row,
   exact horizontal coverage inside each scanline, so edges are antialiased.

Only NumPy arithmetic touches the pixels, so the same outlines give the same
bytes. The fonts are the ones matplotlib ships in ``mpl-data/fonts/ttf``; their
licences are listed in ``learnnet/datasets/README.md`` and recorded in the file.
"""
import argparse
import io
import os
import sys
import zipfile

import numpy as np

SIZE = 40  # template side in pixels
BOX = 32  # the glyph's longer side, in pixels
OVERSAMPLE = 8  # scanlines per pixel row
CURVE_STEPS = 12  # straight pieces per Bezier curve
CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

DEJAVU = "Bitstream Vera Fonts Copyright (DejaVu changes are in the public domain)"
STIX = "SIL Open Font License 1.1 (STIX Fonts)"
BAKOMA = "BaKoMa Fonts Licence (Computer Modern, Basil K. Malyshev)"

# (file in mpl-data/fonts/ttf, licence). Order matters: it is the font axis of the file.
FONTS = [
    ("DejaVuSans.ttf", DEJAVU),
    ("DejaVuSans-Bold.ttf", DEJAVU),
    ("DejaVuSans-Oblique.ttf", DEJAVU),
    ("DejaVuSans-BoldOblique.ttf", DEJAVU),
    ("DejaVuSansMono.ttf", DEJAVU),
    ("DejaVuSansMono-Bold.ttf", DEJAVU),
    ("DejaVuSansMono-Oblique.ttf", DEJAVU),
    ("DejaVuSansMono-BoldOblique.ttf", DEJAVU),
    ("DejaVuSerif.ttf", DEJAVU),
    ("DejaVuSerif-Bold.ttf", DEJAVU),
    ("DejaVuSerif-Italic.ttf", DEJAVU),
    ("DejaVuSerif-BoldItalic.ttf", DEJAVU),
    ("STIXGeneral.ttf", STIX),
    ("STIXGeneralBol.ttf", STIX),
    ("STIXGeneralItalic.ttf", STIX),
    ("STIXGeneralBolIta.ttf", STIX),
    ("cmr10.ttf", BAKOMA),
    ("cmb10.ttf", BAKOMA),
    ("cmss10.ttf", BAKOMA),
    ("cmtt10.ttf", BAKOMA),
    ("cmti10.ttf", BAKOMA),
]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "learnnet", "datasets", "data", "glyphs.npz")


def outline_edges(char, font_file):
    """The character's outline as straight directed edges ``(x0, y0, x1, y1)``, in font points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), char, size=100, prop=FontProperties(fname=font_file))
    t = np.linspace(0.0, 1.0, CURVE_STEPS + 1)[1:, None]
    contours, points, pen = [], None, None
    for vertices, code in path.iter_segments(curves=True, simplify=False):
        v = np.asarray(vertices, dtype=np.float64).reshape(-1, 2)
        if code == Path.MOVETO:
            if points:
                contours.append(points)
            points, pen = [v[0]], v[0]
        elif code == Path.LINETO:
            points.append(v[0])
            pen = v[0]
        elif code == Path.CURVE3:  # quadratic Bezier: pen, control, end
            c, end = v
            points.extend((1 - t) ** 2 * pen + 2 * (1 - t) * t * c + t**2 * end)
            pen = end
        elif code == Path.CURVE4:  # cubic Bezier: pen, control, control, end
            c1, c2, end = v
            points.extend((1 - t) ** 3 * pen + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t**2 * c2 + t**3 * end)
            pen = end
        elif code == Path.CLOSEPOLY:
            contours.append(points)
            points = None
    if points:
        contours.append(points)
    edges = []
    for contour in contours:
        p = np.asarray(contour)
        edges.append(np.concatenate([p, np.roll(p, -1, axis=0)], axis=1))  # closes the contour
    return np.concatenate(edges)


def fit_to_box(edges):
    """Scale and move edges so the glyph's longer side is BOX pixels, centred, y pointing down."""
    xs, ys = edges[:, [0, 2]], edges[:, [1, 3]]
    x_min, x_max, y_min, y_max = xs.min(), xs.max(), ys.min(), ys.max()
    scale = BOX / max(x_max - x_min, y_max - y_min)
    cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
    out = np.empty_like(edges)
    out[:, [0, 2]] = (xs - cx) * scale + SIZE / 2
    out[:, [1, 3]] = SIZE / 2 - (ys - cy) * scale  # image rows grow downwards
    return out


def rasterize(edges):
    """Fill a closed outline (non-zero winding rule) into a SIZE x SIZE coverage image in [0, 1]."""
    x0, y0, x1, y1 = (column[None, :] for column in edges.T)  # (1, n_edges) each
    y = (np.arange(SIZE * OVERSAMPLE)[:, None] + 0.5) / OVERSAMPLE  # scanline heights, a column
    # Which edges cross each scanline, and which way they run: (n_scanlines, n_edges).
    direction = ((y0 <= y) & (y < y1)).astype(np.int64) - ((y1 <= y) & (y < y0))
    slope = np.divide(x1 - x0, y1 - y0, out=np.zeros_like(x0), where=y1 != y0)
    far = 2.0 * SIZE  # edges that miss a scanline go to the far right, where winding is back to 0
    x_cross = np.where(direction != 0, x0 + (y - y0) * slope, far)
    order = np.argsort(x_cross, axis=1, kind="stable")
    x_cross = np.take_along_axis(x_cross, order, axis=1)
    direction = np.take_along_axis(direction, order, axis=1)
    # From left to right the winding number changes at each crossing; inside where it is not 0.
    inside = np.cumsum(direction, axis=1)[:, :-1] != 0
    line, k = np.nonzero(inside)  # spans [x_cross[k], x_cross[k+1]] on scanline `line`
    start, end = x_cross[line, k][:, None], x_cross[line, k + 1][:, None]
    column = np.arange(SIZE)
    covered = np.clip(np.minimum(end, column + 1) - np.maximum(start, column), 0, None)  # span length per pixel
    image = np.zeros((SIZE, SIZE))
    np.add.at(image, line // OVERSAMPLE, covered)
    return np.clip(image / OVERSAMPLE, 0.0, 1.0)


def render_all(font_dir):
    """All templates: uint8 array of shape (n_fonts, n_chars, SIZE, SIZE), ink = 255."""
    out = np.zeros((len(FONTS), len(CHARS), SIZE, SIZE), dtype=np.uint8)
    for f, (font_file, _) in enumerate(FONTS):
        for c, char in enumerate(CHARS):
            coverage = rasterize(fit_to_box(outline_edges(char, os.path.join(font_dir, font_file))))
            out[f, c] = np.round(coverage * 255).astype(np.uint8)
    return out


def build():
    """Everything that goes into glyphs.npz, as a dict of arrays."""
    import matplotlib

    font_dir = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    return {
        "templates": render_all(font_dir),
        "chars": np.array(list(CHARS)),
        "fonts": np.array([f for f, _ in FONTS]),
        "licences": np.array([lic for _, lic in FONTS]),
        "matplotlib_version": np.array(matplotlib.__version__),
    }


def save_npz(path, arrays):
    """Like ``np.savez_compressed`` but with fixed zip timestamps, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            data = io.BytesIO()
            np.lib.format.write_array(data, np.asanyarray(array), allow_pickle=False)
            archive.writestr(info, data.getvalue(), compresslevel=9)
    with open(path, "wb") as fh:
        fh.write(buffer.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=OUT, help="where to write the .npz (default: the shipped file)")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    arrays = build()
    if args.check:
        with np.load(args.out) as shipped:
            same = np.array_equal(shipped["templates"], arrays["templates"])
        print("templates match" if same else "templates DIFFER from " + args.out)
        return 0 if same else 1
    save_npz(args.out, arrays)
    print(f"wrote {args.out}: templates {arrays['templates'].shape}, {os.path.getsize(args.out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
