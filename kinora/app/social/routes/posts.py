"""/api/posts: publishing, reading, editing and deleting posts, their media, likes and remix lineage."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from kinora.app.deps import DbDep, MaybeViewer, StorageDep, Viewer
from kinora.app.errors import NotFound
from kinora.app.feed import index
from kinora.app.files import file_response
from kinora.app.pages import PageDep, RowId, cursor_int
from kinora.app.responses import Json
from kinora.app.social import graph, likes, posts
from kinora.app.social.notifications import HubDep, writing
from kinora.app.social.schemas import Lineage, PostCreate, PostOut, PostPage, PostUpdate
from kinora.app.social.service import hydrate, id_of, one_post, post_page
from kinora.jobs.spec import OUTPUT_FILES

router = APIRouter(tags=["posts"])
MEDIA = {"video": "video/mp4", "thumbnail": "image/webp"}


@router.post("/posts", status_code=201, response_model=PostOut)
async def create_post(body: PostCreate, user: Viewer, db: DbDep, hub: HubDep) -> Response:
    """Publish one of your completed drafts as a post (teen accounts default to followers-only)."""
    async with writing(db, hub) as session:
        post, prompt = await posts.publish(session, author=user, generation_id=body.generation_id,
                                           caption=body.caption, visibility=body.visibility,
                                           allow_remix=body.allow_remix)
    await index.index_post(db, post_id=post.id, text=index.post_text(prompt, post.caption))
    return Json(await one_post(db, viewer_id=user.id, post_id=post.id), status_code=201)


@router.get("/posts/{post_id}", response_model=PostOut)
async def get_post(post_id: RowId, user: MaybeViewer, db: DbDep) -> Response:
    """A post you may see."""
    return Json(await one_post(db, viewer_id=id_of(user), post_id=post_id))


@router.patch("/posts/{post_id}", response_model=PostOut)
async def update_post(post_id: RowId, body: PostUpdate, user: Viewer, db: DbDep, hub: HubDep) -> Response:
    """Change your post's caption, visibility or remix permission."""
    async with writing(db, hub) as session:
        post, recaptioned = await posts.update(session, viewer_id=user.id, post_id=post_id, changes=body)
        prompt = await posts.prompt_of(session, post)
    if recaptioned:
        await index.index_post(db, post_id=post.id, text=index.post_text(prompt, post.caption))
    return Json(await one_post(db, viewer_id=user.id, post_id=post.id))


@router.delete("/posts/{post_id}", status_code=204)
async def delete_post(post_id: RowId, user: Viewer, db: DbDep) -> Response:
    """Delete your post with its likes and comments; its generation stays, as a draft you can post again."""
    async with db.write() as session:
        await posts.delete(session, viewer_id=user.id, post_id=post_id)
    index.forget(db, [post_id])
    return Response(status_code=204)


@router.get("/posts/{post_id}/video", response_class=Response)
async def post_video(request: Request, post_id: RowId, user: MaybeViewer, db: DbDep, storage: StorageDep) -> Response:
    """The post's MP4 (Range, ETag and If-None-Match honoured)."""
    return await _media(request, post_id, id_of(user), db, storage, "video")


@router.get("/posts/{post_id}/thumbnail", response_class=Response)
async def post_thumbnail(request: Request, post_id: RowId, user: MaybeViewer, db: DbDep,
                         storage: StorageDep) -> Response:
    """The post's thumbnail (WebP)."""
    return await _media(request, post_id, id_of(user), db, storage, "thumbnail")


async def _media(request: Request, post_id: int, viewer_id: int | None, db: DbDep, storage: StorageDep,
                 variant: Literal["video", "thumbnail"]) -> Response:
    async with db.read() as session:
        key, public = await posts.media_key(session, viewer_id=viewer_id, post_id=post_id)
    try:
        return file_response(request, storage.path(f"{key}/{OUTPUT_FILES[variant]}"), media_type=MEDIA[variant],
                             cache_control="public, max-age=3600" if public else "private, max-age=3600")
    except FileNotFoundError as e:
        raise NotFound(f"the {variant} of post {post_id} is missing from storage", param="post_id") from e


@router.get("/users/{handle}/posts", response_model=PostPage)
async def user_posts(handle: str, user: MaybeViewer, db: DbDep, page: PageDep) -> Response:
    """The profile grid: the user's posts you may see, newest first."""
    async with db.read() as session:
        author = await graph.person(session, handle=handle, viewer_id=id_of(user))
        ids = await posts.by_author(session, viewer_id=id_of(user), author_id=author.id, before=cursor_int(page),
                                    limit=page.limit)
    return Json(await post_page(db, viewer_id=id_of(user), ids=ids, limit=page.limit))


@router.get("/posts/{post_id}/remixes", response_model=PostPage)
async def post_remixes(post_id: RowId, user: MaybeViewer, db: DbDep, page: PageDep) -> Response:
    """Remixes of the post that you may see, newest first."""
    async with db.read() as session:
        ids = await posts.remixes(session, viewer_id=id_of(user), post_id=post_id, before=cursor_int(page),
                                  limit=page.limit)
    return Json(await post_page(db, viewer_id=id_of(user), ids=ids, limit=page.limit))


@router.get("/posts/{post_id}/lineage", response_model=Lineage)
async def post_lineage(post_id: RowId, user: MaybeViewer, db: DbDep) -> Response:
    """What the post remixes, nearest first, up to the first source you may not see; and how often it was
    remixed."""
    async with db.read() as session:
        ids, remix_count = await posts.ancestors(session, viewer_id=id_of(user), post_id=post_id)
    return Json({"ancestors": await hydrate(db, viewer_id=id_of(user), post_ids=ids), "remix_count": remix_count})


@router.post("/posts/{post_id}/like", response_model=PostOut)
async def like_post(post_id: RowId, user: Viewer, db: DbDep, hub: HubDep) -> Response:
    """Like a post (liking again changes nothing)."""
    async with writing(db, hub) as session:
        await likes.like(session, viewer_id=user.id, post_id=post_id)
    return Json(await one_post(db, viewer_id=user.id, post_id=post_id))


@router.delete("/posts/{post_id}/like", response_model=PostOut)
async def unlike_post(post_id: RowId, user: Viewer, db: DbDep) -> Response:
    """Take your like back."""
    async with db.write() as session:
        await likes.unlike(session, viewer_id=user.id, post_id=post_id)
    return Json(await one_post(db, viewer_id=user.id, post_id=post_id))
