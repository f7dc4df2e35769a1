"""Moderation: the audit log, the registry of public figures and rights holders, the review queue of held
generations, warnings and suspensions, and appeals."""
