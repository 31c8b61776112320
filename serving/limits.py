"""Guards in front of the paths: a cap on request bodies, a per-tenant preview rate."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.errors import ApiError, error_response


class BodySizeLimit:
    """413 for a request body over ``max_bytes``, declared or streamed, before any path
    reads it: the body is read here (bounded) and handed on whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        body, refused = await self._read(receive)
        if refused:
            await self._refuse(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        """The whole body (small: at most ``max_bytes``), or True when it is larger."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = ApiError(
            413,
            "body_too_large",
            f"the request body is over {self.max_bytes:,} bytes; a segment or rule set is "
            "a few kilobytes",
        )
        await error_response(error)(scope, receive, send)


class RateLimiter:
    """At most ``limit`` events per key in any ``per_seconds`` window."""

    def __init__(self, limit: int, per_seconds: float) -> None:
        self.limit, self.per_seconds = limit, per_seconds
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def acquire(self, key: str) -> int | None:
        """Count one event for ``key``; None when allowed, else the whole seconds to wait."""
        now = time.monotonic()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.per_seconds:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, math.ceil(events[0] + self.per_seconds - now))
            events.append(now)
            return None
