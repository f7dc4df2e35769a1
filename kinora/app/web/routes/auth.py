"""/login, /signup, /logout: plain HTML forms (they work without JavaScript); a refusal re-renders the form with
what was typed (never the password) and the reason next to the field it names."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from kinora.app.deps import services
from kinora.app.errors import DomainError
from kinora.app.users import passwords, sessions
from kinora.app.users import service as users
from kinora.app.web.deps import MaybeVisitor
from kinora.app.web.render import page

router = APIRouter(tags=["web"], include_in_schema=False)
Text = Annotated[str, Form(max_length=1000)]
FIELDS = ("invite_code", "handle", "email", "birth_date")  # the sign-up form keeps these when it is refused


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never //evil.example or https://...)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
async def login_page(request: Request, viewer: MaybeVisitor, next: str | None = None) -> Response:
    if viewer is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return await page(request, "login.html", None, next=safe_next(next), login="", error=None)


@router.post("/login")
async def login(request: Request, login: Text, password: Text, next: Annotated[str, Form()] = "/") -> Response:
    found = services(request)
    try:
        user = await passwords.authenticate(found.db, login=login, password=password)
    except DomainError as error:
        return await page(request, "login.html", None, status_code=error.status, next=safe_next(next),
                          login=login, error=error)
    response = RedirectResponse(safe_next(next), status_code=303)
    await sessions.sign_in(found.db, request, response, found.settings, user)
    return response


@router.get("/signup")
async def signup_page(request: Request, viewer: MaybeVisitor, invite: str = "") -> Response:
    if viewer is not None:
        return RedirectResponse("/", status_code=303)
    return await page(request, "signup.html", None, form=dict.fromkeys(FIELDS, "") | {"invite_code": invite[:100]},
                      error=None)


@router.post("/signup")
async def signup(request: Request, invite_code: Text, handle: Text, email: Text, password: Text,
                 birth_date: Text) -> Response:
    found = services(request)
    typed = {"invite_code": invite_code, "handle": handle, "email": email, "birth_date": birth_date}
    response = RedirectResponse("/", status_code=303)
    try:
        form = users.check_signup(**typed, password=password, reserved=[found.settings.admin_handle])
        password_hash = await passwords.hash_password(form.password)
        async with found.db.write() as session:
            user = await users.signup(session, settings=found.settings, form=form, password_hash=password_hash)
            await sessions.set_cookie(session, request, response, found.settings, user)
    except DomainError as error:
        return await page(request, "signup.html", None, status_code=error.status, form=typed, error=error)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    found = services(request)
    token = request.cookies.get(sessions.COOKIE)
    if token:
        async with found.db.write() as session:
            await sessions.end(session, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(**sessions.cookie_args(request, found.settings))
    return response
