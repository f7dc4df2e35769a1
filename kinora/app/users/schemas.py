"""Request and response shapes of the accounts API. Fields are plain strings where the service gives a clearer
message than a type error would (dates, handles, lengths)."""

from __future__ import annotations

from pydantic import BaseModel, Field

# Requests: sign-up and sign-in


class SignupIn(BaseModel):
    invite_code: str = Field(max_length=100)
    handle: str = Field(max_length=200)
    email: str = Field(max_length=400)
    password: str = Field(max_length=1000)
    birth_date: str = Field(max_length=40, description="ISO date, YYYY-MM-DD.")


class LoginIn(BaseModel):
    login: str = Field(max_length=400, description="Handle or email, any case.")
    password: str = Field(max_length=1000)


class ResetIn(BaseModel):
    email: str = Field(max_length=400)


class ResetConfirmIn(BaseModel):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class PasswordChangeIn(BaseModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


class PasswordIn(BaseModel):
    password: str = Field(max_length=1000)


# Requests: the account


class MePatch(BaseModel):
    display_name: str | None = Field(None, max_length=1000)
    bio: str | None = Field(None, max_length=5000)
    handle: str | None = Field(None, max_length=200)


class GuardianIn(BaseModel):
    pin: str = Field(max_length=100, description="4-8 digits; set by the first call, required by later ones.")
    personalization: bool
    continuous_scroll: bool


class PinIn(BaseModel):
    pin: str = Field(max_length=100)


class TokenIn(BaseModel):
    name: str = Field(max_length=1000, description="What the token is for, e.g. 'my script'.")


# Responses


class UserPublic(BaseModel):
    handle: str
    display_name: str
    bio: str
    avatar_url: str | None
    created_at: int


class Profile(UserPublic):
    follower_count: int
    following_count: int
    post_count: int
    is_following: bool
    follows_you: bool
    is_mutual: bool
    blocked: bool


class Guardian(BaseModel):
    locked: bool
    personalization: bool
    continuous_scroll: bool


class Me(BaseModel):
    handle: str
    email: str | None
    display_name: str
    bio: str
    avatar_url: str | None
    birth_date: str | None
    is_teen: bool
    tier: str
    is_admin: bool
    invites_left: int
    created_at: int
    guardian: Guardian


class InviteOut(BaseModel):
    code: str
    uses_left: int
    created_at: int


class TokenOut(BaseModel):
    prefix: str
    name: str
    created_at: int
    last_used_at: int | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself: shown this once, stored only as a hash.")
