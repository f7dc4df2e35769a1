"""Settings: the environment, defaults, validation messages and masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kinora.config import Settings


def test_defaults_keep_everything_under_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KINORA_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.data_dir == Path("kinora-data") and settings.devices == ["cpu"]
    assert settings.db_url.startswith("sqlite+aiosqlite:///") and settings.db_url.endswith("kinora-data/kinora.db")
    assert settings.models == {"sora-2": "world", "sora-2-pro": "world"}


def test_environment_lists_and_maps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINORA_DEVICES", "cuda:0, cuda:1")
    monkeypatch.setenv("KINORA_MODELS", '{"sora-2": "world", "sora-2-pro": "ltx2"}')
    monkeypatch.setenv("KINORA_WEBHOOK_URLS", "https://a.example/h,http://b.example/h")
    monkeypatch.setenv("KINORA_WEBHOOK_SECRET", "whsec_c2VjcmV0")
    settings = Settings()
    assert settings.devices == ["cuda:0", "cuda:1"] and settings.models["sora-2-pro"] == "ltx2"
    assert settings.webhook_urls == ["https://a.example/h", "http://b.example/h"]


@pytest.mark.parametrize(("env", "needle"), [
    ({"KINORA_WEBHOOK_URLS": "ftp://x"}, "webhook_urls must be http(s) URLs; got 'ftp://x'"),
    ({"KINORA_WEBHOOK_URLS": "http://x"}, "webhook_secret is required"),
    ({"KINORA_DEFAULT_MODEL": "sora-9"}, "default_model must be one of the models"),
    ({"KINORA_DEFAULT_SIZE": "big"}, "default_size must look like 720x1280; got 'big'"),
    ({"KINORA_HEARTBEAT_SECONDS": "90"}, "heartbeat_seconds must be shorter than lease_seconds"),
])
def test_bad_settings_name_the_setting_and_value(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                 needle: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as e:
        Settings()
    assert needle in str(e.value)


def test_masked_hides_secrets_and_database_passwords() -> None:
    settings = Settings(database_url="postgresql+asyncpg://kin:hunter2@db/kinora", webhook_secret="whsec_c2VjcmV0",
                        webhook_urls=["https://a.example/h"], api_key="kin_abc")
    shown = settings.masked()
    assert shown["webhook_secret"] == "********" and shown["api_key"] == "********"
    assert shown["database_url"] == "postgresql+asyncpg://kin:********@db/kinora"
    assert "hunter2" not in str(shown) and "c2VjcmV0" not in str(shown)
