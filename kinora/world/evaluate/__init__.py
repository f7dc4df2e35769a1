"""Judge a clip against its plan from the MP4 alone: prompt adherence, physics and audio/video sync.

Only the file's pixels and samples are used, never an engine's own metadata, so the same yardstick
scores our world engine and, later, learned video models. The pipeline:

1. Decode at <= 640 px on the longer side. Segments start at planned shot starts and at visible cuts.
   A segment whose background stays put (block means, which grain does not move) is still and gets a
   temporal-median background; one whose picture only slides (pan, tilt, follow) gets a per-frame
   camera shift from block phase correlation, so its image motion can be turned back into world
   motion; anything else (a zoom) is only counted in.
2. Pixels are classified by colour with a lookup table over all RGB values: a pixel shows a planned
   colour when that is its nearest prototype among the plan's and the catalog's colours, in a space
   built from Lab where shading is nearly invariant and saturation matters less than hue. A white
   balance (none, the plan's time of day, or the brightest surfaces) is picked by which shows the
   planned colours best. In still segments, background areas of a planned colour (a green floor for a
   green ball) only count where the picture changed, and not merely by a shadow falling there.
3. Connected components per colour (gaps closed, holes filled) are the objects. Adherence counts them
   per colour (the largest count that holds for 0.25 s; touching like-coloured objects are split by
   area once the scale in px/m is known from objects that look like their planned kind), shares them
   among the plan's groups of that colour by shape (fill of the minimum-area rectangle, its aspect,
   solidity) and scores colour found x count agreement x kind agreement. In noir only counts and
   kinds are scored, from change against the background.
4. Physics: blobs are tracked (one-to-one nearest, per colour); frames between contacts where y is a
   parabola and x a straight line are free fall; one acceleration is fitted over a track's falls and
   turned into metres by the object's planned size against its sub-pixel area (colour unmixing at the
   outline; the brightest ring for neon glow). g = a / px_per_m / slow_motion^2.
5. Sync: contacts are falls that turn up or stop and sideways reversals, timed to a fraction of a frame
   by intersecting the motion fitted on either side; onsets come from spectral flux, timed to the
   sample by the first crossing of 20% of the hit's rise. Each contact takes the nearest onset within
   150 ms.

Scores: physics 1 up to 5% error falling to 0 at 50%; a sync pair 1 up to 20 ms falling to 0 at
120 ms, unmatched contacts 0; overall the 0.4/0.3/0.3 weighted mean of the parts that apply.

Modules, one per concern: common (array aliases and tuning constants), report (the pydantic report),
colour, camera (slide estimation), scene (segments, backgrounds, scenery), blobs, shapes (shape and
kind), adherence, tracks, contacts, physics, sync (audio onsets and pairing) and run (`evaluate`).
"""

from kinora.world.evaluate.colour import colour_distance, colour_lut, srgb_to_lab, white_gains
from kinora.world.evaluate.common import (
    ANALYSIS_SIDE,
    COLOUR_MAX_DIST,
    LUT_BITS,
    MIN_SHAPE_AREA,
    NEUTRAL_CHROMA,
    NEUTRAL_PIXEL_CHROMA,
    PERSIST_SECONDS,
    SCALE_SHAPE_DIST,
    SIBLING_DIST,
    STILL_TAIL_MIN,
    STRICT_DIST,
    SYNC_BAD,
    SYNC_GOOD,
    SYNC_WINDOW,
    WEIGHTS,
)
from kinora.world.evaluate.report import (
    AdherenceReport,
    ContactPair,
    EvalReport,
    GroupResult,
    PhysicsReport,
    SyncReport,
)
from kinora.world.evaluate.run import evaluate
from kinora.world.evaluate.sync import audio_onsets

__all__ = [
    "ANALYSIS_SIDE",
    "COLOUR_MAX_DIST",
    "LUT_BITS",
    "MIN_SHAPE_AREA",
    "NEUTRAL_CHROMA",
    "NEUTRAL_PIXEL_CHROMA",
    "PERSIST_SECONDS",
    "SCALE_SHAPE_DIST",
    "SIBLING_DIST",
    "STILL_TAIL_MIN",
    "STRICT_DIST",
    "SYNC_BAD",
    "SYNC_GOOD",
    "SYNC_WINDOW",
    "WEIGHTS",
    "AdherenceReport",
    "ContactPair",
    "EvalReport",
    "GroupResult",
    "PhysicsReport",
    "SyncReport",
    "audio_onsets",
    "colour_distance",
    "colour_lut",
    "evaluate",
    "srgb_to_lab",
    "white_gains",
]
