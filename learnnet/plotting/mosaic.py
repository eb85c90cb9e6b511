"""Many small images (feature maps, filters) laid out as one picture, so they draw as one image.

Drawing 16 feature maps as 16 ``imshow`` artists in 16 axes costs a matplotlib axes each (slow
to build and to redraw); one ``imshow`` of a mosaic costs one. The mosaic is layout only: tiles
side by side with ``NaN`` gaps (drawn transparent), and, for feature maps, each tile rescaled to
[0, 1] so that a weak map is as visible as a strong one (as Keras's tutorials show them). The
numbers a widget *reports* are the engine's, never the rescaled ones.
"""
import numpy as np


def mosaic(tiles, rows, columns, gap=None, scale_each=False):
    """Tiles ``(n, h, w)`` laid out row by row in a ``rows`` x ``columns`` grid: one 2-D array.

    Args:
        tiles: ``(n, h, w)`` array, ``n <= rows * columns``; empty grid cells stay ``NaN``.
        rows, columns: the grid.
        gap: pixels of ``NaN`` between tiles; default about an eighth of a tile (at least 1).
        scale_each: rescale each tile to [0, 1] (its min to 0, its max to 1; a constant tile
            becomes 0), for display.

    Returns:
        ``(picture, boxes)``: the 2-D float array, and for each tile its ``(row0, col0, h, w)``
        position in the picture.
    """
    tiles = np.asarray(tiles, dtype=float)
    n, h, w = tiles.shape
    if n > rows * columns:
        raise ValueError(f"mosaic: {n} tiles do not fit in a {rows}x{columns} grid.")
    if gap is None:
        gap = max(1, round(max(h, w) / 8))
    picture = np.full((rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap), np.nan)
    boxes = []
    for k in range(n):
        tile = tiles[k]
        if scale_each:
            low, high = tile.min(), tile.max()
            tile = (tile - low) / (high - low) if high > low else np.zeros_like(tile)
        r, c = divmod(k, columns)
        top, left = r * (h + gap), c * (w + gap)
        picture[top:top + h, left:left + w] = tile
        boxes.append((top, left, h, w))
    return picture, boxes
