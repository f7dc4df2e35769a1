"""Every table, imported once so that `Base.metadata` is complete (Alembic and tests use it)."""

from kinora.app.db import Base
from kinora.app.generations.models import Character, Generation
from kinora.app.users.models import ApiKey, User
from kinora.app.webhooks.models import WebhookDelivery

__all__ = ["ApiKey", "Base", "Character", "Generation", "User", "WebhookDelivery"]
