"""Run the app under granian (default) or uvicorn."""

from __future__ import annotations

import os

from kinora.config import Settings


def run_server(settings: Settings) -> None:
    if settings.server == "granian":
        from granian.constants import Interfaces
        from granian.server import Server

        # granian builds the app in its own worker process from the factory, which reads the environment:
        # hand it the effective host/port settings through the same KINORA_* variables.
        os.environ["KINORA_HOST"], os.environ["KINORA_PORT"] = settings.host, str(settings.port)
        Server("kinora.app.main:serve_app", address=settings.host, port=settings.port, interface=Interfaces.ASGI,
               factory=True, workers=1, log_access=False).serve()
        return
    import uvicorn

    from kinora.app.main import create_app

    uvicorn.run(create_app(settings, warm=True), host=settings.host, port=settings.port, log_level="info",
                access_log=False)
