"""An in-process MQTT broker (amqtt) for the demo and one-machine installs without Mosquitto."""

from __future__ import annotations

import asyncio
import logging
import threading

log = logging.getLogger(__name__)


class EmbeddedBroker:
    """amqtt running on its own event loop in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1884) -> None:
        self.host = host
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="embedded-broker", daemon=True)
        self._broker = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self) -> None:
        from amqtt.broker import Broker

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        # amqtt and its state machine log every connection at INFO; the demo's console is for the orchard.
        logging.getLogger("amqtt").setLevel(logging.WARNING)
        logging.getLogger("transitions").setLevel(logging.WARNING)
        self._thread.start()

        async def start() -> None:
            self._broker = Broker(config)
            await self._broker.start()

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout=15)
        log.info("embedded MQTT broker listening on %s", self.url)

    def stop(self) -> None:
        if self._broker is not None:
            asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop).result(timeout=15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
