"""Every table, imported once so that `Base.metadata` is complete (Alembic and tests use it)."""

from kinora.app.cameos.models import Cameo, CameoAccess, CameoChallenge, CameoUse
from kinora.app.db import Base
from kinora.app.feed.models import CheckIn, FeedDay, FeedPreference, FeedSignal, PostEmbedding, View
from kinora.app.generations.models import Generation
from kinora.app.moderation.models import Appeal, ModerationEvent, RegistryEntry
from kinora.app.provenance.models import Fingerprint, HashChunk
from kinora.app.social.models import Block, Comment, Follow, Like, Notification, Post, Report
from kinora.app.users.models import ApiKey, Invite, LoginSession, PasswordReset, User
from kinora.app.webhooks.models import WebhookDelivery

__all__ = ["ApiKey", "Appeal", "Base", "Block", "Cameo", "CameoAccess", "CameoChallenge", "CameoUse", "CheckIn",
           "Comment", "FeedDay", "FeedPreference", "FeedSignal", "Fingerprint", "Follow", "Generation", "HashChunk",
           "Invite", "Like", "LoginSession", "ModerationEvent", "Notification", "PasswordReset", "Post",
           "PostEmbedding", "RegistryEntry", "Report", "User", "View", "WebhookDelivery"]
