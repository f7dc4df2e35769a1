"""Shared by the feed tests: a topic corpus and feed helpers (assertions and database access: tests/community.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from kinora.app.feed import candidates
from kinora.app.generations.models import Generation
from tests.community import execute

# Ten prompts per topic; posted by people the viewer does not follow, they make the steering corpus.
TOPICS = {
    "cooking": ["a chef chops onions and garlic for a pasta sauce", "fresh bread comes out of a wood-fired oven",
                "pancakes sizzle in a buttered pan at breakfast", "a grandmother rolls dumplings in her kitchen",
                "slow-cooked beef stew bubbles on the stove", "a baker decorates a chocolate birthday cake",
                "street food vendor grills skewers over charcoal", "homemade ramen with a soft boiled egg",
                "a salad of tomatoes, basil and mozzarella is plated", "sushi chef slices salmon with a sharp knife"],
    "animals": ["a golden retriever puppy chases a ball in the garden", "two kittens wrestle on a sofa",
                "a herd of elephants crosses a river at sunset", "a parrot learns to say hello",
                "a baby goat jumps around a farm", "penguins waddle across the ice",
                "a cat naps in a sunny window", "a horse gallops through a meadow",
                "a hedgehog eats a strawberry", "dolphins leap beside a boat"],
    "sports": ["a striker scores a goal in the last minute of the football match",
               "basketball slam dunk in a packed arena", "a tennis player serves an ace at the final",
               "marathon runners cross the finish line", "a boxer lands a knockout punch in the ring",
               "cyclists sprint in the tour finale", "a baseball pitcher throws a fastball",
               "a hockey player shoots the puck past the goalie", "a swimmer wins the olympic freestyle race",
               "the rugby team scrums in the rain"],
    "scary": ["a haunted house at midnight with ghosts in the windows", "a zombie crawls out of a grave in the fog",
              "a creepy doll turns its head in a dark attic", "a horror movie monster lurks behind the door",
              "a terrifying clown appears in the dark forest", "screams echo through an abandoned asylum",
              "a demon face appears in the mirror", "blood drips down the walls of a nightmare hallway",
              "a shadowy figure stalks a girl through the woods at night",
              "a possessed child whispers in a creepy voice"],
    "travel": ["a train winds through the swiss alps", "sunrise over the temples of angkor wat",
               "a road trip along the california coast", "backpackers explore the streets of tokyo",
               "a gondola glides through the canals of venice", "hot air balloons over cappadocia",
               "a ferry arrives at a greek island", "walking through a night market in bangkok",
               "the northern lights above a cabin in iceland", "a desert camp under the stars in morocco"],
    "space": ["a rocket launches into orbit from the launch pad", "astronauts float inside the space station",
              "a telescope image of a spiral galaxy", "a rover drives across the red dust of mars",
              "saturn's rings glow in the sunlight", "a comet streaks across the night sky",
              "a robot arm assembles a circuit board", "a solar eclipse darkens the afternoon",
              "a satellite unfolds its solar panels", "a black hole bends the light of stars"],
}







def refresh(community: Any) -> None:
    """Rebuild the shared candidate pool now (it is otherwise kept for 30 s)."""
    candidates.invalidate(community.services.db)


def ids(page: Any) -> list[int]:
    """The post ids of a response, a page body, or a list of items."""
    body = page.json() if hasattr(page, "json") else page
    return [item["id"] for item in (body if isinstance(body, list) else body["items"])]


def for_you(client: Any, *, pages: int = 1, limit: int = 20) -> list[dict[str, Any]]:
    """The items of the first `pages` For You pages."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(pages):
        response = client.get("/api/feed/for-you", params={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    return items


def remix(community: Any, handle: str, source_id: int, prompt: str, **extra: Any) -> dict[str, Any]:
    """Publish a remix of post `source_id` by `handle` (its generation names the source, as a remix's does)."""
    draft = community.draft(handle, prompt)
    execute(community, update(Generation).where(Generation.id == draft).values(remix_of_post=source_id))
    response = community.clients[handle].post("/api/posts", json={"generation_id": draft, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
