"""Array aliases and the tuning constants the measurements share."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

ANALYSIS_SIDE = 640  # px: marbles stay several pixels wide, and a frame labels in about a millisecond
LUT_BITS = 6  # colour table resolution per channel (64^3 entries)
COLOUR_MAX_DIST = 40.0  # a pixel farther than this from its nearest planned colour is nobody's
SIBLING_DIST = 24.0  # catalog colours nearer than this to a planned one are the same colour, shaded
STRICT_DIST = 18.0  # colour distance within which a piece of still background is an object at rest
NEUTRAL_CHROMA = 12.0  # a planned colour this close to grey (white, silver, grey, black) is achromatic
NEUTRAL_PIXEL_CHROMA = 10.0  # pixels this grey may show an achromatic object, at any shade
STILL_TAIL_MIN = 24  # frames: a settled end of a moving shot shorter than this keeps no background of its own
PERSIST_SECONDS = 0.25  # a count must hold this long to be believed (one-frame splits are not objects)
MIN_SHAPE_AREA = 30  # px: below this a blob's outline is too coarse to tell a ball from a box
SCALE_SHAPE_DIST = 3.0  # only blobs this near their kind's outline (see _shape_distance) set the scale
SYNC_WINDOW = 0.150  # s: a contact and an onset further apart than this are not the same event
SYNC_GOOD, SYNC_BAD = 0.020, 0.120  # s: |offset| scoring 1 (imperceptible) and 0 (clearly off)
WEIGHTS = {"adherence": 0.4, "physics": 0.3, "sync": 0.3}
