"""The synthetic community behind benchmarks/feed.py, bulk-loaded into Kinora's real tables.

`generate(scale)` draws the whole community as numpy arrays (seeded, so a scale always gives the same data):
users with a Zipf-like popularity; follows whose out-degree is log-normal (mean `follows_mean`) and whose
followees are drawn by popularity, so a few accounts have a large share of all followers and most have a few,
with a fifth of the edges returned (mutuals); posts over 60 days, written mostly by popular and active
accounts, visibility mostly public; likes, views and comments skewed to popular, recent public posts (likes
and views are unique per (user, post)); a few remixes and blocks; the counters on posts computed from those
rows. Each post's embedding is its topic template's real sentence embedding plus a little noise (a million
real embeddings would take hours on a CPU), stored the way the feed stores them: float16 bytes of a unit vector.

`load_sqlite` and `load_postgres` put it into a database whose schema came from Kinora's own migrations:
secondary indexes are dropped for the load and rebuilt after it, then the planner statistics are gathered.
"""

from __future__ import annotations

import datetime
import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from kinora.app.social.models import VISIBILITIES

GENERATOR_VERSION = 1  # bump when the data changes shape, so cached databases are rebuilt
DAY = 86_400.0
WINDOW_DAYS = 60  # posts are spread over this many days before the build
CHUNK = 100_000  # rows per executemany / COPY batch
DIM = 384  # all-MiniLM-L6-v2
NOISE = 0.35  # per-post noise on its template's unit vector: cosine to the template ~0.94

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Row = tuple[Any, ...]

TOPICS: dict[str, tuple[str, ...]] = {
    "cooking": ("a chef flips golden pancakes in a sunny kitchen", "olive oil pours over fresh pasta in slow motion",
                "a wok of vegetables flares up over a gas flame", "hands knead bread dough on a floured wooden table"),
    "animals": ("a golden retriever puppy chases soap bubbles in a backyard", "a cat knocks a glass off a counter",
                "a herd of elephants crosses a dusty river at dawn", "a parrot dances to music on a windowsill"),
    "sports": ("a basketball swishes through the net on a street court", "a surfer rides a huge wave at sunset",
               "a soccer player curls a free kick into the top corner", "a skateboarder lands a kickflip on stairs"),
    "horror": ("a dark hallway where a door creaks open by itself", "a figure in the fog walks to an abandoned house",
               "a doll's head slowly turns in a candle-lit attic", "lights flicker in an empty hospital corridor"),
    "physics": ("three red rubber balls and a blue cube drop onto a wooden floor",
                "a row of dominoes topples into a stack of paper cups",
                "a marble rolls down a spiral ramp into a glass jar", "a bowling ball smashes a wall of wooden blocks"),
    "ocean": ("waves crash against black volcanic rocks", "a sea turtle glides over a coral reef",
              "a whale breaches beside a small sailboat", "jellyfish drift through blue water lit from above"),
    "space": ("a rocket lifts off in a cloud of steam", "an astronaut floats past the window of a space station",
              "the rings of a gas giant seen from a moon", "a comet streaks across a starry desert sky"),
    "city": ("a rainy neon street in Tokyo at night", "a timelapse of traffic over a city bridge",
             "a yellow taxi splashes through a puddle in New York", "pigeons scatter across a busy town square"),
    "nature": ("a waterfall in a misty green forest", "autumn leaves fall over a quiet lake",
               "a thunderstorm rolls over wheat fields", "cherry blossoms drift in a spring breeze"),
    "cars": ("a vintage sports car drifts around a mountain corner", "a monster truck jumps over a row of cars",
             "a convertible cruises along a coastal highway", "a race car pit stop in slow motion"),
    "music": ("a drummer plays a fast solo under stage lights", "a street violinist plays in a subway station",
              "a vinyl record spins on a turntable", "a choir sings in a candle-lit cathedral"),
    "dance": ("a breakdancer spins on a cardboard mat", "a ballet dancer leaps across an empty stage",
              "friends dance at a rooftop party at sunset", "a flamenco dancer stamps in a red dress"),
    "art": ("watercolor paint blooms across wet paper", "a sculptor carves a marble statue",
            "a graffiti mural appears on a brick wall", "ink drops swirl in a glass of water"),
    "fantasy": ("a dragon flies over a medieval castle", "a wizard casts glowing spells in an old library",
                "a unicorn gallops through an enchanted forest", "a floating island with waterfalls in the clouds"),
    "scifi": ("a robot walks through a neon-lit alley", "a spaceship lands on a red desert planet",
              "a holographic city rises from the ocean", "a cyborg repairs its metal arm in a workshop"),
    "comedy": ("a toddler tastes a lemon and makes a face", "a dog steals a sandwich from a picnic",
               "a man slips on a banana peel in a supermarket", "a goat jumps onto a surprised farmer"),
    "travel": ("a hot air balloon drifts over Cappadocia at sunrise", "a train crosses a viaduct in the Alps",
               "a gondola glides through the canals of Venice", "a camel caravan crosses golden dunes"),
    "weather": ("a tornado forms over the plains", "snow falls softly on a quiet village",
                "lightning strikes a lone tree on a hill", "a rainbow appears after a summer storm"),
    "architecture": ("a timelapse of a skyscraper being built", "sunlight moves through a gothic cathedral",
                     "a glass house in a snowy forest", "a spiral staircase seen from below"),
    "gaming": ("a pixel-art knight jumps across floating platforms", "a racing game car boosts through a neon tunnel",
               "a blocky world where a player builds a castle", "a retro arcade cabinet lights up in the dark"),
    "fashion": ("a model walks a runway in a flowing silver gown", "sneakers splash through a puddle in slow motion",
                "a tailor cuts fabric in a vintage workshop", "a street-style photo shoot in Paris"),
    "kids": ("cartoon dinosaurs play hide and seek", "a teddy bear picnic in a sunny meadow",
             "a paper boat sails down a rainy gutter", "colorful building blocks stack into a tall tower"),
    "food": ("a cheeseburger assembled layer by layer", "ramen noodles lifted with chopsticks in steam",
             "a chocolate cake sliced in slow motion", "fresh fruit splashes into a bowl of water"),
    "gardening": ("a seed sprouts into a sunflower in a timelapse", "hands plant tomato seedlings in dark soil",
                  "a bee lands on a lavender flower", "a greenhouse full of tropical plants in the rain"),
}
TOPIC_NAMES = tuple(TOPICS)
TEMPLATES = tuple(text for texts in TOPICS.values() for text in texts)  # embedded once each
PER_TOPIC = 4
STYLES = ("", ", cinematic, 35mm film", ", in claymation style", ", at golden hour", ", shot on a phone, handheld",
          ", in slow motion", ", as a watercolor animation", ", in black and white", ", drone shot", ", anime style")
CAPTIONS = ("made this in one try", "remix this!", "wait for the end", "my favorite so far", "can't stop watching",
            "first post here", "the sound design though", "", "new series, part 1", "what should I make next?")
COMMENTS = ("love this", "how did you make this?", "the sound!", "remixing this now", "so good", "again!",
            "this made my day", "wow", "need a part 2", "the physics are perfect")
FIRST = ("ana", "ben", "chloe", "dev", "emma", "felix", "grace", "hugo", "iris", "jun", "kai", "lena", "maya",
         "noah", "omar", "priya", "quinn", "rosa", "sam", "tara", "uma", "victor", "wen", "yara", "zoe")
LAST = ("rivera", "kim", "novak", "okafor", "silva", "tanaka", "meyer", "haddad", "larsen", "patel", "rossi",
        "dubois", "nguyen", "kowalski", "garcia", "ahmed", "berg", "costa", "moreau", "fischer")
STEERING: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("more cooking and animals, less sports, nothing scary", ("cooking", "animals"), ("sports", "scary things")),
    ("show me space and science fiction, no horror", ("space", "science fiction"), ("horror",)),
    ("more music and dance", ("music", "dance"), ()),
    ("less cars and video games, more nature", ("nature",), ("cars", "video games")),
)


@dataclass(frozen=True)
class Scale:
    users: int
    posts: int
    likes: int
    follows_mean: int = 40  # mean out-degree
    views: int = -1  # -1: likes // 2
    comments: int = -1  # -1: likes // 20
    bench_users: int = 64  # accounts with personal tokens that the load clients act as
    seed: int = 7

    def __post_init__(self) -> None:
        if self.views < 0:
            object.__setattr__(self, "views", self.likes // 2)
        if self.comments < 0:
            object.__setattr__(self, "comments", self.likes // 20)
        if self.users < 50 or self.posts < 100:
            raise ValueError(f"a community needs at least 50 users and 100 posts; got {self.users}/{self.posts}")

    def key(self) -> dict[str, int]:
        return {**asdict(self), "generator": GENERATOR_VERSION}


@dataclass
class Community:
    scale: Scale
    now: float
    user_created: Floats
    user_birth: Ints  # proleptic ordinal of the birth date
    follows: tuple[Ints, Ints, Floats]  # follower, followee (1-based ids), created_at; sorted by (follower, followee)
    post_author: Ints
    post_at: Floats
    post_visibility: Ints  # index into VISIBILITIES
    post_allow_remix: Bools
    post_remix_of: Ints  # 0: not a remix
    post_template: Ints  # index into TEMPLATES
    post_style: Ints
    post_caption: Ints
    likes: tuple[Ints, Ints, Floats]  # user, post, created_at; sorted by (user, post)
    views: tuple[Ints, Ints, Floats, Floats, Bools]  # user, post, created_at, watched_fraction, completed
    comments: tuple[Ints, Ints, Ints, Floats, Ints]  # post, author, parent (0: none), created_at, text index
    blocks: tuple[Ints, Ints]
    bench_ids: list[int]  # heavy and light followers alternating
    tokens: list[str]
    vectors: npt.NDArray[np.float32]  # (len(TEMPLATES), DIM) unit vectors
    steering_vectors: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)  # phrase -> (DIM,)

    def counts(self) -> dict[str, int]:
        return {"users": self.scale.users, "follows": len(self.follows[0]), "posts": self.scale.posts,
                "likes": len(self.likes[0]), "views": len(self.views[0]), "comments": len(self.comments[0]),
                "blocks": len(self.blocks[0])}


# ---------------------------------------------------------------------------------------------------------------
# Drawing the community.


def zipf(n: int, alpha: float, rng: np.random.Generator) -> Floats:
    """Zipf-like weights over n items in a random order (so the heavy ones are not the lowest ids)."""
    weights = np.power(rng.permutation(n) + 1.0, -alpha, dtype=np.float64)
    return normalized(weights)


def normalized(weights: Floats) -> Floats:
    """`weights` scaled to sum to 1 (a distribution for rng.choice)."""
    total = float(weights.sum())
    return np.divide(weights, total, dtype=np.float64)


def unique_pairs(rng: np.random.Generator, count: int, left_p: Floats, right_p: Floats) -> tuple[Ints, Ints]:
    """`count` distinct (left, right) pairs (1-based), each side drawn by its weights, sorted by (left, right).
    Skewed weights repeat pairs, so it draws until enough are distinct (or gives up with fewer)."""
    n_right = len(right_p)
    keys: Ints = np.empty(0, dtype=np.int64)
    for _ in range(40):
        missing = count - len(keys)
        if missing <= 0:
            break
        draw = int(missing * 1.2) + 1000
        left = rng.choice(len(left_p), draw, p=left_p).astype(np.int64)
        right = rng.choice(n_right, draw, p=right_p).astype(np.int64)
        keys = np.unique(np.concatenate([keys, left * n_right + right]))
    if len(keys) > count:
        keys = np.sort(rng.choice(keys, count, replace=False))
    return keys // n_right + 1, keys % n_right + 1


def after(rng: np.random.Generator, start: Floats, now: float, power: float) -> Floats:
    """Times between `start` and `now`, bunched near `start` for power > 1 (likes come soon after a post)."""
    span: Floats = (now - start) * rng.random(len(start)) ** power
    return start + span


def draw_follows(rng: np.random.Generator, scale: Scale, popularity: Floats,
                 user_created: Floats, now: float) -> tuple[Ints, Ints, Floats]:
    n = scale.users
    sigma = 1.1
    out = rng.lognormal(np.log(scale.follows_mean) - sigma**2 / 2, sigma, n)
    degree = np.clip(np.rint(out), 1, min(n - 1, 5000)).astype(np.int64)
    follower = np.repeat(np.arange(n, dtype=np.int64), degree)
    followee = rng.choice(n, len(follower), p=0.85 * popularity + 0.15 / n).astype(np.int64)
    keys = follower * n + followee
    back = rng.random(len(keys)) < 0.2  # reciprocated: the followee follows back (mutuals)
    keys = np.unique(np.concatenate([keys, followee[back] * n + follower[back]]))
    src, dst = keys // n, keys % n
    keep = src != dst
    src, dst = src[keep], dst[keep]
    start = np.maximum(user_created[src], user_created[dst])
    return src + 1, dst + 1, after(rng, start, now, 1.0)


def draw_posts(rng: np.random.Generator, scale: Scale, popularity: Floats, now: float) -> dict[str, Any]:
    n, p = scale.users, scale.posts
    author_p = rng.lognormal(0.0, 1.5, n) * popularity**0.3  # active and popular accounts post more
    author = rng.choice(n, p, p=author_p / author_p.sum()).astype(np.int64) + 1
    at = now - WINDOW_DAYS * DAY + np.sort(rng.random(p)) * WINDOW_DAYS * DAY  # ids in publication order
    topic_p = zipf(len(TOPIC_NAMES), 0.8, rng)
    user_topic = rng.choice(len(TOPIC_NAMES), n, p=topic_p)
    topic = np.where(rng.random(p) < 0.7, user_topic[author - 1], rng.choice(len(TOPIC_NAMES), p, p=topic_p))
    return {"author": author, "at": at, "visibility": rng.choice(len(VISIBILITIES), p, p=[0.85, 0.08, 0.04, 0.03]),
            "allow_remix": rng.random(p) < 0.9, "template": topic * PER_TOPIC + rng.integers(0, PER_TOPIC, p),
            "style": rng.integers(0, len(STYLES), p), "caption": rng.integers(0, len(CAPTIONS), p)}


def post_weights(rng: np.random.Generator, posts: dict[str, Any], popularity: Floats, now: float) -> Floats:
    """How much attention each post gets: quality, its author's reach, recency; only public posts get any."""
    reach = (popularity / popularity.max())[posts["author"] - 1] ** 0.5
    recency = np.exp(-(now - posts["at"]) / (20 * DAY))
    weights = np.asarray(rng.lognormal(0.0, 1.0, len(reach)) * reach * recency, dtype=np.float64)
    weights[posts["visibility"] != VISIBILITIES.index("public")] = 0.0
    return normalized(weights)


def draw_remixes(rng: np.random.Generator, posts: dict[str, Any], weights: Floats) -> Ints:
    p = len(weights)
    remix_of = np.zeros(p, dtype=np.int64)
    eligible = weights * posts["allow_remix"]
    chosen = np.flatnonzero(rng.random(p) < 0.04)
    source = rng.choice(p, len(chosen), p=eligible / eligible.sum()) + 1
    earlier = source < chosen + 1  # a remix comes after its source
    remix_of[chosen[earlier]] = source[earlier]
    return remix_of


def draw_comments(rng: np.random.Generator, count: int, activity: Floats, weights: Floats,
                  post_at: Floats, now: float) -> tuple[Ints, Ints, Ints, Floats, Ints]:
    top = max(1, int(count * 0.8))
    post = rng.choice(len(weights), top, p=weights).astype(np.int64) + 1
    author = rng.choice(len(activity), count, p=activity).astype(np.int64) + 1
    at = after(rng, post_at[post - 1], now, 3.0)
    parent = rng.integers(1, top + 1, count - top)  # replies to top-level comments (one level)
    return (np.concatenate([post, post[parent - 1]]), author, np.concatenate([np.zeros(top, np.int64), parent]),
            np.concatenate([at, after(rng, at[parent - 1], now, 4.0)]), rng.integers(0, len(COMMENTS), count))


def draw_blocks(rng: np.random.Generator, n: int) -> tuple[Ints, Ints]:
    count = max(1, n // 20)
    keys = np.unique(rng.integers(0, n, count) * n + rng.integers(0, n, count))
    src, dst = keys // n, keys % n
    keep = src != dst
    return src[keep] + 1, dst[keep] + 1


def pick_bench_users(rng: np.random.Generator, scale: Scale, follower: Ints, adult: Bools) -> list[int]:
    """Half heavy followers (top 2 % out-degree), half light ones (5-30 follows), alternating; adults only,
    since a teen's For You ends at the daily cap."""
    degree = np.bincount(follower - 1, minlength=scale.users)
    order = np.argsort(-degree, kind="stable")
    heavy_pool = [int(i) for i in order[: max(scale.bench_users, scale.users // 50)] if adult[i]]
    light_pool = [int(i) for i in np.flatnonzero((degree >= 5) & (degree <= 30) & adult)]
    half = scale.bench_users // 2
    heavy = [heavy_pool[int(i)] for i in rng.permutation(len(heavy_pool))[:half]]
    light = [i for i in (light_pool[int(j)] for j in rng.permutation(len(light_pool))) if i not in heavy]
    light = light[: scale.bench_users - len(heavy)]
    mixed = [user for pair in zip(heavy, light, strict=False) for user in pair]
    mixed += heavy[len(light):] + light[len(heavy):]
    return [i + 1 for i in mixed]


def generate(scale: Scale, embed: Callable[[list[str]], npt.NDArray[np.float32]],
             now: float | None = None) -> Community:
    """Draw the community at `scale`; `embed` gives unit vectors for texts (the real sentence model)."""
    rng = np.random.default_rng(scale.seed)
    now = time.time() if now is None else now
    n = scale.users
    user_created = now - (WINDOW_DAYS + 1) * DAY - rng.random(n) * 365 * DAY
    today = datetime.date.fromtimestamp(now).toordinal()
    teen = rng.random(n) < 0.05
    age_days = np.where(teen, rng.uniform(13.2, 17.8, n), rng.uniform(18.1, 65.0, n)) * 365.25
    popularity = zipf(n, 0.75, rng)
    follows = draw_follows(rng, scale, popularity, user_created, now)
    posts = draw_posts(rng, scale, popularity, now)
    weights = post_weights(rng, posts, popularity, now)
    activity = rng.lognormal(0.0, 1.2, n)
    activity /= activity.sum()
    like_user, like_post = unique_pairs(rng, scale.likes, activity, weights)
    view_user, view_post = unique_pairs(rng, scale.views, activity, weights)
    completed = rng.random(len(view_user)) < 0.35
    bench = pick_bench_users(rng, scale, follows[0], ~teen)
    phrases = sorted({phrase for _, more, less in STEERING for phrase in (*more, *less)})
    vectors = embed(list(TEMPLATES) + phrases)
    return Community(
        scale=scale, now=now, user_created=user_created, user_birth=(today - age_days).astype(np.int64),
        follows=follows, post_author=posts["author"], post_at=posts["at"], post_visibility=posts["visibility"],
        post_allow_remix=posts["allow_remix"], post_remix_of=draw_remixes(rng, posts, weights),
        post_template=posts["template"], post_style=posts["style"], post_caption=posts["caption"],
        likes=(like_user, like_post, after(rng, posts["at"][like_post - 1], now, 3.0)),
        views=(view_user, view_post, after(rng, posts["at"][view_post - 1], now, 3.0),
               np.where(completed, 1.0, rng.uniform(0.05, 0.95, len(view_user))), completed),
        comments=draw_comments(rng, scale.comments, activity, weights, posts["at"], now),
        blocks=draw_blocks(rng, n), bench_ids=bench,
        tokens=["kin_bench" + rng.bytes(20).hex() for _ in bench],
        vectors=vectors[: len(TEMPLATES)],
        steering_vectors=dict(zip(phrases, vectors[len(TEMPLATES):], strict=True)),
    )


# ---------------------------------------------------------------------------------------------------------------
# Rows, table by table, in chunks (a million generations as Python tuples at once would take gigabytes).


@dataclass
class TableRows:
    name: str
    columns: tuple[str, ...]
    count: int
    chunks: Callable[[bool], Iterator[list[Row]]]  # argument: for SQLite (dates and JSON as text)


def spans(count: int) -> Iterator[slice]:
    for start in range(0, count, CHUNK):
        yield slice(start, min(count, start + CHUNK))


def generation_id(post_id: int, seed: int) -> str:
    return "video_" + hashlib.blake2b(post_id.to_bytes(8, "little"), digest_size=24,
                                      key=seed.to_bytes(8, "little")).hexdigest()


def handle(user_id: int) -> str:
    return f"{FIRST[user_id % len(FIRST)]}.{LAST[(user_id // len(FIRST)) % len(LAST)]}{user_id}"


def display_name(user_id: int) -> str:
    return f"{FIRST[user_id % len(FIRST)].title()} {LAST[(user_id // len(FIRST)) % len(LAST)].title()}"


def user_rows(c: Community) -> TableRows:
    columns = ("id", "handle", "is_admin", "created_at", "email", "password_hash", "birth_date", "display_name",
               "bio", "avatar_key", "tier", "invites_left", "invited_by", "personalized", "continuous_scroll",
               "guardian_pin_hash")

    def chunks(sqlite: bool) -> Iterator[list[Row]]:
        inviter = np.random.default_rng(c.scale.seed + 1).random(c.scale.users)
        for s in spans(c.scale.users):
            rows = []
            for i, created, birth, invited in zip(range(s.start + 1, s.stop + 1), c.user_created[s].tolist(),
                                                  c.user_birth[s].tolist(), inviter[s].tolist(), strict=True):
                name = handle(i)
                born = datetime.date.fromordinal(birth)
                rows.append((i, name, False, created, f"{name}@example.com", None,
                             born.isoformat() if sqlite else born, display_name(i),
                             f"making videos about {TOPIC_NAMES[i % len(TOPIC_NAMES)]}", None, "free", 3,
                             int(invited * (i - 1)) + 1 if i > 1 else None, True, True, None))
            yield rows

    return TableRows("users", columns, c.scale.users, chunks)


def key_rows(c: Community) -> TableRows:
    from kinora.app.users.service import hash_key

    def chunks(_sqlite: bool) -> Iterator[list[Row]]:
        yield [(i + 1, user, "bench", token[:10], hash_key(token), c.now, None, None)
               for i, (user, token) in enumerate(zip(c.bench_ids, c.tokens, strict=True))]

    return TableRows("api_keys", ("id", "user_id", "name", "prefix", "key_hash", "created_at", "last_used_at",
                                  "revoked_at"), len(c.tokens), chunks)


def generation_rows(c: Community) -> TableRows:
    columns = ("seq", "id", "owner_id", "kind", "model", "engine", "prompt", "seconds", "total_seconds", "width",
               "height", "fps", "seed", "source_id", "input_key", "characters", "remix_of_post", "options", "status",
               "progress", "cancel_requested", "attempt", "lease_until", "worker", "created_at", "started_at",
               "completed_at", "expires_at", "error_code", "error_message", "output_key", "output")
    seconds = np.random.default_rng(c.scale.seed + 2).choice([4, 8, 12], c.scale.posts, p=[0.6, 0.3, 0.1])

    def chunks(_sqlite: bool) -> Iterator[list[Row]]:
        seed = c.scale.seed
        for s in spans(c.scale.posts):
            rows = []
            for pid, owner, at, template, style, remix_of, secs in zip(
                    range(s.start + 1, s.stop + 1), c.post_author[s].tolist(), c.post_at[s].tolist(),
                    c.post_template[s].tolist(), c.post_style[s].tolist(), c.post_remix_of[s].tolist(),
                    seconds[s].tolist(), strict=True):
                gid = generation_id(pid, seed)
                wide = pid % 5 == 0
                rows.append((pid, gid, owner, "remix" if remix_of else "create", "sora-2", "world",
                             TEMPLATES[template] + STYLES[style], secs, secs, 1280 if wide else 720,
                             720 if wide else 1280, 24, pid, generation_id(remix_of, seed) if remix_of else None, None,
                             "[]", remix_of or None, "{}", "completed", 100, False, 1, None, None, at - 150.0,
                             at - 140.0, at - 90.0, None, None, None, f"videos/{gid}/1",
                             '{"files": {"video": "video.mp4", "thumbnail": "thumbnail.webp", "spritesheet": '
                             f'"spritesheet.jpg"}}, "seconds": {secs}.0, "has_audio": true, "bytes": 1843200, '
                             f'"seed": {pid}}}'))
            yield rows

    return TableRows("generations", columns, c.scale.posts, chunks)


def post_rows(c: Community) -> TableRows:
    p = c.scale.posts
    likes = np.bincount(c.likes[1], minlength=p + 1)
    comments = np.bincount(c.comments[0], minlength=p + 1)
    remixes = np.bincount(c.post_remix_of, minlength=p + 1)
    views = np.bincount(c.views[1], minlength=p + 1)
    completions = np.bincount(c.views[1][c.views[4]], minlength=p + 1)
    columns = ("id", "author_id", "generation_id", "caption", "visibility", "allow_remix", "remix_of", "created_at",
               "edited_at", "like_count", "comment_count", "remix_count", "view_count", "completion_count")

    def chunks(_sqlite: bool) -> Iterator[list[Row]]:
        seed = c.scale.seed
        for s in spans(p):
            ids = range(s.start + 1, s.stop + 1)
            rows = []
            for pid, author, caption, template, visibility, allow, remix_of, at, n_likes, n_comments, n_remixes, \
                    n_views, n_done in zip(
                    ids, c.post_author[s].tolist(), c.post_caption[s].tolist(), c.post_template[s].tolist(),
                    c.post_visibility[s].tolist(), c.post_allow_remix[s].tolist(), c.post_remix_of[s].tolist(),
                    c.post_at[s].tolist(), likes[1:][s].tolist(), comments[1:][s].tolist(),
                    remixes[1:][s].tolist(), views[1:][s].tolist(), completions[1:][s].tolist(), strict=True):
                text = f"{CAPTIONS[caption]} #{TOPIC_NAMES[template // PER_TOPIC]}".lstrip()
                rows.append((pid, author, generation_id(pid, seed), text, VISIBILITIES[visibility], allow,
                             remix_of or None, at, None, n_likes, n_comments, n_remixes, n_views, n_done))
            yield rows

    return TableRows("posts", columns, p, chunks)


def pair_rows(name: str, columns: tuple[str, ...], arrays: tuple[Any, ...]) -> TableRows:
    """A table whose columns are exactly these arrays (follows, likes, views, blocks)."""
    count = len(arrays[0])

    def chunks(_sqlite: bool) -> Iterator[list[Row]]:
        for s in spans(count):
            yield list(zip(*(array[s].tolist() for array in arrays), strict=True))

    return TableRows(name, columns, count, chunks)


def comment_rows(c: Community) -> TableRows:
    post, author, parent, at, text = c.comments

    def chunks(_sqlite: bool) -> Iterator[list[Row]]:
        for s in spans(len(post)):
            yield [(s.start + 1 + i, p, a, par or None, COMMENTS[t], ts, None) for i, (p, a, par, ts, t) in enumerate(
                zip(post[s].tolist(), author[s].tolist(), parent[s].tolist(), at[s].tolist(), text[s].tolist(),
                    strict=True))]

    return TableRows("comments", ("id", "post_id", "author_id", "parent_id", "text", "created_at", "edited_at"),
                     len(post), chunks)


def embedding_rows(c: Community) -> TableRows:
    def chunks(_sqlite: bool) -> Iterator[list[Row]]:
        rng = np.random.default_rng(c.scale.seed + 3)
        for s in spans(c.scale.posts):
            base = c.vectors[c.post_template[s]]
            noisy = base + NOISE / np.sqrt(DIM) * rng.standard_normal(base.shape, dtype=np.float32)
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            packed = noisy.astype("<f2")
            yield [(s.start + 1 + i, packed[i].tobytes()) for i in range(len(packed))]

    return TableRows("post_embeddings", ("post_id", "vector"), c.scale.posts, chunks)


def preference_rows(c: Community) -> TableRows:
    """Every other bench user has steered their feed in plain language."""

    def pack(phrases: tuple[str, ...]) -> bytes | None:
        if not phrases:
            return None
        return np.stack([c.steering_vectors[p] for p in phrases]).astype("<f2").tobytes()

    def chunks(_sqlite: bool) -> Iterator[list[Row]]:
        rows = []
        for i, user in enumerate(c.bench_ids[::2]):
            instruction, more, less = STEERING[i % len(STEERING)]
            rows.append((user, instruction, "\n".join(more), "\n".join(less), pack(more), pack(less), c.now))
        yield rows

    return TableRows("feed_preferences", ("user_id", "instruction", "more", "less", "more_vectors", "less_vectors",
                                          "updated_at"), len(c.bench_ids[::2]), chunks)


def signal_rows(c: Community) -> TableRows:
    """Each bench user hid one creator it follows and said "see less" to two public posts."""
    rng = np.random.default_rng(c.scale.seed + 4)
    follower, followee, _ = c.follows
    public = np.flatnonzero(c.post_visibility == VISIBILITIES.index("public")) + 1
    rows: list[Row] = []
    for user in c.bench_ids:
        mine = followee[np.searchsorted(follower, user):np.searchsorted(follower, user, side="right")]
        if len(mine):
            rows.append((user, "hide_creator", int(rng.choice(mine)), c.now))
        rows += [(user, "see_less", int(p), c.now) for p in np.unique(rng.choice(public, 2))]
    return TableRows("feed_signals", ("user_id", "kind", "target_id", "created_at"), len(rows), lambda _s: iter([rows]))


def tables(c: Community) -> list[TableRows]:
    """Every table to fill, parents before children."""
    v_user, v_post, v_at, v_frac, v_done = c.views
    return [
        user_rows(c), key_rows(c), generation_rows(c), post_rows(c),
        pair_rows("follows", ("follower_id", "followee_id", "created_at"), c.follows),
        pair_rows("likes", ("user_id", "post_id", "created_at"), c.likes),
        comment_rows(c),
        pair_rows("views", ("user_id", "post_id", "watched_fraction", "completed", "created_at"),
                  (v_user, v_post, v_frac, v_done, v_at)),
        embedding_rows(c),
        pair_rows("blocks", ("blocker_id", "blocked_id", "created_at"),
                  (*c.blocks, np.full(len(c.blocks[0]), c.now - DAY))),
        preference_rows(c), signal_rows(c),
    ]


# ---------------------------------------------------------------------------------------------------------------
# Loading.


@dataclass
class BuildLog:
    """Seconds per step, for the build table."""

    steps: list[tuple[str, int, float]] = field(default_factory=list)  # (step, rows, seconds)

    def timed(self, step: str, rows: int, started: float) -> None:
        self.steps.append((step, rows, time.perf_counter() - started))


def load_sqlite(path: str, community: Community, log: BuildLog) -> None:
    """Bulk-load a migrated SQLite file: no fsync, one transaction per table, secondary indexes built after."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY",
                       "foreign_keys=OFF"):
            con.execute(f"PRAGMA {pragma}")
        todo = tables(community)
        names = [t.name for t in todo]
        marks = ",".join("?" * len(names))
        indexes = con.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                              f"AND tbl_name IN ({marks})", names).fetchall()
        for name, _sql in indexes:
            con.execute(f'DROP INDEX "{name}"')
        for table in todo:
            started = time.perf_counter()
            insert = (f"INSERT INTO {table.name} ({', '.join(table.columns)}) "
                      f"VALUES ({', '.join('?' * len(table.columns))})")
            con.execute("BEGIN")
            for chunk in table.chunks(True):
                con.executemany(insert, chunk)
            con.execute("COMMIT")
            log.timed(table.name, table.count, started)
        started = time.perf_counter()
        for _name, sql in indexes:
            con.execute(sql)
        log.timed(f"{len(indexes)} secondary indexes", 0, started)
        started = time.perf_counter()
        con.execute("ANALYZE")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        log.timed("ANALYZE", 0, started)
    finally:
        con.close()


async def load_postgres(dsn: str, community: Community, log: BuildLog) -> None:
    """Bulk-load a migrated PostgreSQL database with COPY: foreign-key triggers off for this session (the data
    is consistent by construction), secondary indexes built after, then VACUUM ANALYZE (statistics, and the
    visibility map that index-only scans need)."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")  # skips FK checks; needs a superuser
        await conn.execute("SET maintenance_work_mem = '1GB'")
        await conn.execute("SET synchronous_commit = off")
        todo = tables(community)
        indexes = await conn.fetch(
            "SELECT i.relname AS name, pg_get_indexdef(i.oid) AS sql FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY($1::text[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)", [t.name for t in todo])
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["name"]}"')
        for table in todo:
            started = time.perf_counter()
            for chunk in table.chunks(False):
                await conn.copy_records_to_table(table.name, records=chunk, columns=list(table.columns))
            log.timed(table.name, table.count, started)
        started = time.perf_counter()
        for index in indexes:
            await conn.execute(index["sql"])
        for name, column in (("users", "id"), ("api_keys", "id"), ("generations", "seq"), ("posts", "id"),
                             ("comments", "id")):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
                               f"(SELECT coalesce(max({column}), 0) + 1 FROM {name}), false)")
        log.timed(f"{len(indexes)} secondary indexes", 0, started)
        started = time.perf_counter()
        await conn.execute(f"VACUUM (ANALYZE) {', '.join(t.name for t in todo)}")
        log.timed("VACUUM ANALYZE", 0, started)
    finally:
        await conn.close()


def embed_texts(texts: list[str]) -> npt.NDArray[np.float32]:
    """Unit vectors of `texts` from the model the feed itself uses (kinora.app.feed.embed)."""
    from kinora.app.feed.embed import embed

    vectors = np.asarray(embed(texts), dtype=np.float32)
    if vectors.shape != (len(texts), DIM):
        raise RuntimeError(f"the embedder returned shape {vectors.shape}; expected ({len(texts)}, {DIM})")
    return vectors
