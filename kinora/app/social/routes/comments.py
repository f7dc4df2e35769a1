"""/api comments: threads under a post (one reply level), replies, and editing or deleting comments."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from kinora.app.deps import DbDep, MaybeViewer, Viewer
from kinora.app.pages import PageDep, RowId, cursor_int
from kinora.app.responses import Json
from kinora.app.social import comments
from kinora.app.social.notifications import HubDep, writing
from kinora.app.social.schemas import CommentCreate, CommentOut, CommentPage, CommentUpdate, ThreadPage
from kinora.app.social.service import id_of, next_page

router = APIRouter(tags=["comments"])


@router.get("/posts/{post_id}/comments", response_model=ThreadPage)
async def list_comments(post_id: RowId, user: MaybeViewer, db: DbDep, page: PageDep) -> Response:
    """Top-level comments, oldest first, each with its first replies and its reply_count."""
    async with db.read() as session:
        rows = await comments.threads(session, viewer_id=id_of(user), post_id=post_id,
                                      after=cursor_int(page), limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"id": row["id"]})
    return Json({"items": items, "next_cursor": cursor})


@router.get("/comments/{comment_id}/replies", response_model=CommentPage)
async def list_replies(comment_id: RowId, user: MaybeViewer, db: DbDep, page: PageDep) -> Response:
    """Replies to a comment, oldest first."""
    async with db.read() as session:
        rows = await comments.replies(session, viewer_id=id_of(user), comment_id=comment_id,
                                      after=cursor_int(page), limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"id": row["id"]})
    return Json({"items": [comments.comment_json(row) for row in items], "next_cursor": cursor})


@router.post("/posts/{post_id}/comments", status_code=201, response_model=CommentOut)
async def create_comment(post_id: RowId, body: CommentCreate, user: Viewer, db: DbDep, hub: HubDep) -> Response:
    """Comment on a post, or reply to one of its top-level comments with parent_id."""
    async with writing(db, hub) as session:
        comment = await comments.create(session, viewer_id=user.id, post_id=post_id, text=body.text,
                                        parent_id=body.parent_id)
        row = await comments.one(session, comment_id=comment.id)
    return Json(comments.comment_json(row), status_code=201)


@router.patch("/comments/{comment_id}", response_model=CommentOut)
async def edit_comment(comment_id: RowId, body: CommentUpdate, user: Viewer, db: DbDep) -> Response:
    """Change the text of your comment."""
    async with db.write() as session:
        await comments.edit(session, viewer_id=user.id, comment_id=comment_id, text=body.text)
        row = await comments.one(session, comment_id=comment_id)
    return Json(comments.comment_json(row))


@router.delete("/comments/{comment_id}", status_code=204)
async def delete_comment(comment_id: RowId, user: Viewer, db: DbDep) -> Response:
    """Delete your comment, or a comment on your post; a top-level comment takes its replies with it."""
    async with db.write() as session:
        await comments.remove(session, viewer_id=user.id, comment_id=comment_id)
    return Response(status_code=204)
