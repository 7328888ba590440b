"""Fails loudly when Starlette or uvicorn change the internals the relay builds on (issue 8, item 9).

streams/mjpeg.py's MJPEGResponse replaces StreamingResponse.__call__; streams/server.py's
TimelyHttpToolsProtocol extends uvicorn's HttpToolsProtocol. Both are pinned to the minor
versions tested (pyproject.toml); before widening a pin, run this and the relay's suite.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

import anyio
from starlette.responses import StreamingResponse
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from streams.hub import Hub
from streams.mjpeg import TESTED_STARLETTE, FrameStream, MJPEGResponse
from streams.server import TESTED_UVICORN


def minor(package: str) -> str:
    return ".".join(version(package).split(".")[:2])


def test_the_installed_versions_are_those_tested():
    assert minor("starlette") in TESTED_STARLETTE, (
        f"Starlette {version('starlette')} is untested with MJPEGResponse: check streams/mjpeg.py, then the pins")
    assert minor("uvicorn") in TESTED_UVICORN, (
        f"uvicorn {version('uvicorn')} is untested with TimelyHttpToolsProtocol: check streams/server.py")


def test_streaming_response_still_has_what_mjpeg_response_uses():
    parameters = inspect.signature(StreamingResponse.__init__).parameters
    assert list(parameters)[:4] == ["self", "content", "status_code", "headers"]
    assert list(inspect.signature(StreamingResponse.listen_for_disconnect).parameters) == ["self", "receive"]
    assert inspect.iscoroutinefunction(StreamingResponse.listen_for_disconnect)

    async def body():
        yield b"part"

    response = MJPEGResponse(FrameStream(Hub(), "cam-1", lambda: None), headers={"X-Test": "1"})
    response.body_iterator = body()  # the attribute _pump reads
    assert (b"x-test", b"1") in response.raw_headers
    assert response.status_code == 200 and response.media_type.startswith("multipart/x-mixed-replace")

    sent: list[dict] = []

    async def run() -> None:
        async def receive():
            await anyio.sleep(0.2)
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
        await response({"type": "http", "asgi": {"spec_version": "2.4"}}, receive, send)

    anyio.run(run)
    assert sent[0] == {"type": "http.response.start", "status": 200, "headers": response.raw_headers}
    assert sent[1]["body"] == b"part" and sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}


def test_uvicorns_protocol_still_has_what_the_timely_protocol_overrides_and_reads():
    for name in ("connection_made", "connection_lost", "on_message_begin", "on_headers_complete", "shutdown"):
        assert callable(getattr(HttpToolsProtocol, name, None)), name
    init = inspect.getsource(HttpToolsProtocol.__init__)
    for attribute in ("self.loop", "self.transport", "self.cycle", "self.scope"):
        assert attribute in init, attribute
    assert "response_complete" in inspect.getsource(RequestResponseCycle.__init__)
    assert callable(getattr(RequestResponseCycle, "run_asgi", None))
    # A client uvicorn sees as gone (our abort) ends without an error log; check run_asgi still says so.
    assert "not self.disconnected" in inspect.getsource(RequestResponseCycle.run_asgi)
