"""Ages from birth dates: under 13 may not join; 13-17 is a teen account (stricter defaults and caps)."""

from __future__ import annotations

import datetime

from kinora.app.users.models import User

MIN_AGE, ADULT_AGE = 13, 18


def age_on(birth_date: datetime.date, today: datetime.date) -> int:
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)


def is_teen(user: User, today: datetime.date | None = None) -> bool:
    """Accounts without a birth date (API-key accounts made by an admin) count as adults."""
    if user.birth_date is None:
        return False
    return age_on(user.birth_date, today or datetime.datetime.now(datetime.UTC).date()) < ADULT_AGE
