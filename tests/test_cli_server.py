"""The server side of the `kinora` command: admin api-key create, config, generate --server, and serve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from typer.testing import CliRunner

from kinora.cli import app
from kinora.media.probe import probe

runner = CliRunner()


def _env(settings: Any) -> dict[str, str]:
    return {"KINORA_DATA_DIR": str(settings.data_dir), "KINORA_DATABASE_URL": settings.db_url}


def test_api_key_create_prints_the_key_alone_on_its_last_line(live: Any) -> None:
    env = _env(live.settings)
    admin = runner.invoke(app, ["admin", "api-key", "create", "--name", "ops"], env=env)
    assert admin.exit_code == 0, admin.output
    lines = admin.output.strip().splitlines()
    assert "for @admin" in lines[-2] and lines[-1].startswith("kin_") and " " not in lines[-1]
    named = runner.invoke(app, ["admin", "api-key", "create", "--name", "laptop", "--user", "zoe"], env=env)
    assert "created user @zoe" in named.output
    zoe = openai.OpenAI(base_url=f"{live.url}/v1", api_key=named.output.strip().splitlines()[-1], max_retries=0)
    assert list(zoe.videos.list()) == []
    bad = runner.invoke(app, ["admin", "api-key", "create", "--name", "x", "--user", "Not A Handle"], env=env)
    assert bad.exit_code == 2 and "handle must be" in bad.output


def test_config_masks_secrets() -> None:
    env = {"KINORA_WEBHOOK_URLS": "https://example.com/h", "KINORA_WEBHOOK_SECRET": "whsec_c2VjcmV0",
           "KINORA_DATABASE_URL": "postgresql+asyncpg://kin:pw123@db/kinora"}
    result = runner.invoke(app, ["config"], env=env, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "KINORA_WEBHOOK_SECRET" in result.output and "********" in result.output
    assert "c2VjcmV0" not in result.output and "pw123" not in result.output
    broken = runner.invoke(app, ["config"], env={"KINORA_PORT": "99999"})
    assert broken.exit_code == 2 and "KINORA_PORT" in broken.output


def test_generate_with_server_shows_progress_and_writes_the_mp4(live: Any, tmp_path: Path) -> None:
    out = tmp_path / "remote.mp4"
    env = {"KINORA_API_KEY": live.key(handle="cli")}
    result = runner.invoke(app, ["generate", "two green cubes slide on ice", "--server", live.url, "-o", str(out),
                                 "--seconds", "4", "--size", "320x256"], env=env)
    assert result.exit_code == 0, result.output
    assert "completed" in result.output and "wrote" in result.output
    assert probe(out).width == 320
    wrong = runner.invoke(app, ["generate", "a ball", "--server", live.url, "-o", str(out), "--size", "4000x10"],
                          env=env)
    assert wrong.exit_code == 2 and "size" in wrong.output
    no_key = runner.invoke(app, ["generate", "a ball", "--server", live.url, "-o", str(out)],
                           env={"KINORA_API_KEY": ""})
    assert no_key.exit_code == 2 and "KINORA_API_KEY" in no_key.output


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise AssertionError(f"kinora serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/v1/videos").status_code == 401:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("kinora serve did not answer")


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_serve_runs_the_whole_instance(tmp_path: Path, server: str) -> None:
    """`kinora serve` in its own process: migrations, API, runner and worker, then a clean shutdown."""
    port = _free_port()
    env = {**os.environ, "KINORA_DATA_DIR": str(tmp_path / "data"), "KINORA_SERVER": server, "KINORA_FPS": "12"}
    env.pop("KINORA_DATABASE_URL", None)
    command = [sys.executable, "-c", "from kinora.cli import main; main()"]
    process = subprocess.Popen([*command, "serve", "--port", str(port)], env=env)
    try:
        _wait_up(f"http://127.0.0.1:{port}", process)
        made = subprocess.run([*command, "admin", "api-key", "create", "--name", "t"], env=env, check=True,
                              capture_output=True, text=True)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=made.stdout.strip().splitlines()[-1],
                               max_retries=0)
        video = client.videos.create_and_poll(prompt="a red ball drops", size="320x256", poll_interval_ms=100)
        assert video.status == "completed", video.error
        assert (tmp_path / "data" / "kinora.db").is_file()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
    assert process.returncode == 0


def test_api_keys_are_listed_and_revoked(live: Any) -> None:
    env = _env(live.settings)
    made = runner.invoke(app, ["admin", "api-key", "create", "--name", "temp", "--user", "yann"], env=env)
    key = made.output.strip().splitlines()[-1]
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=key, max_retries=0)
    assert list(client.videos.list()) == []
    listed = runner.invoke(app, ["admin", "api-key", "list"], env=env, terminal_width=200)
    row = next(line for line in listed.output.splitlines() if key[:10] in line)
    assert "@yann" in row and "temp" in row and row.count("-") >= 4  # created and last used are both shown
    unused = runner.invoke(app, ["admin", "api-key", "create", "--name", "spare", "--user", "yann"], env=env)
    spare = unused.output.strip().splitlines()[-1]
    revoked = runner.invoke(app, ["admin", "api-key", "revoke", spare[:10] + "..."], env=env)
    assert revoked.exit_code == 0 and "revoked API key 'spare'" in revoked.output
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{live.url}/v1", api_key=spare, max_retries=0).videos.list()
    again = runner.invoke(app, ["admin", "api-key", "revoke", spare[:10]], env=env)
    assert again.exit_code == 2 and "no active API key starts with" in again.output
