"""Timber Bondmere Python SDK: one stdlib-only module (Python >= 3.9), copy it anywhere.

Sections, in the order a request travels:

1. Errors                 typed exceptions with plain-word messages
2. Configuration          the TIMBER_* environment and the strategy config file
3. Resilience             backoff with full jitter, Retry-After, rate-limit tracking, breaker
4. REST client            http.client with keep-alive, tokens, idempotency, retries
5. WebSocket              a minimal RFC 6455 client (frames, handshake, ping/pong, close)
6. Stream client          auth, subscriptions, heartbeat watchdog, reconnect, since_seq resume
7. Strategy runtime       Strategy, Context, the live loop and the lockstep replay loop, run()

Scripts normally only touch section 7:

    import timber

    class Hello(timber.Strategy):
        def on_candle(self, candle, ctx):
            ctx.log("close", candle.symbol, candle.c)

    timber.run(Hello())
"""

from __future__ import annotations

import base64
import collections
import datetime
import decimal
import email.utils
import hashlib
import http.client
import json
import math
import os
import random
import re
import signal
import socket
import ssl
import sys
import time
import traceback
import urllib.parse
import uuid
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Tuple

__all__ = [
    "ApiError",
    "Candle",
    "CircuitBreaker",
    "CircuitOpenError",
    "Client",
    "ConfigError",
    "Context",
    "Environment",
    "NetworkError",
    "OrderOutcomeUnknownError",
    "OrderRefusedError",
    "RateLimitedError",
    "RateLimitTracker",
    "StrategyConfig",
    "Strategy",
    "StreamClient",
    "Tick",
    "TimberError",
    "WebSocket",
    "WebSocketClosed",
    "backoff_delay",
    "load_strategy_config",
    "parse_retry_after",
    "run",
]

VERSION = "0.1.0"
INTERVAL_MS = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}


def _iso(ms: Optional[float]) -> str:
    if ms is None:
        return "?"
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _describe_request(request: Mapping[str, Any]) -> str:
    text = f"{request.get('action')} {_number(request.get('quantity'))} {request.get('symbol')}"
    if request.get("limit_price") is not None:
        text += f" limit {_number(request['limit_price'])}"
    return text


# ============================================================================================
# 1. Errors
# ============================================================================================


class TimberError(Exception):
    """Base of every error this SDK raises on purpose."""

    # True when the request may have reached the server and changed something although this
    # error says it failed: an answer lost to a reset, a timeout or a 5xx after it was sent.
    maybe_took_effect = False
    # Set on errors from placing an order: that order's client_order_id, to look it up by.
    client_order_id: Optional[str] = None


class ConfigError(TimberError):
    """The environment or the strategy config file is missing something or has a bad value."""


class NetworkError(TimberError):
    """The server could not be reached, or the connection broke mid-request."""


class ApiError(TimberError):
    """The API answered with its error shape: status, code, message, details, request_id."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Optional[List[Dict[str, Any]]] = None,
        request_id: Optional[str] = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.request_id = request_id
        where = "; ".join(
            f"{d.get('path') or 'request'} {d.get('message', '')}".strip() for d in self.details
        )
        text = f"{status} {code}: {message}" + (f" ({where})" if where else "")
        if request_id:
            text += f" [request {request_id}]"
        super().__init__(text)


class RateLimitedError(ApiError):
    """429 after the retries ran out; `retry_after` is the server's advice in seconds."""

    def __init__(self, *args: Any, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class CircuitOpenError(TimberError):
    """An order was refused without a request because the circuit breaker is open. Only ever
    raised before an order's first attempt: a request once sent is settled, never cut short."""

    def __init__(self, message: str, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


class OrderOutcomeUnknownError(TimberError):
    """An order was sent, no attempt got an answer that settles it, and looking it up by its
    client_order_id failed too: it may have been placed. `idempotency_key` and
    `client_order_id` say how to find out."""

    def __init__(
        self,
        request: Mapping[str, Any],
        idempotency_key: str,
        problem: BaseException,
        lookup_problem: Optional[BaseException],
    ) -> None:
        self.request = dict(request)
        self.idempotency_key = idempotency_key
        self.client_order_id = str(request.get("client_order_id"))
        self.problem = problem
        self.lookup_problem = lookup_problem
        symbol = request.get("symbol")
        why = (
            f"looking it up by client_order_id failed too ({lookup_problem})"
            if lookup_problem is not None
            else "the API lists no such order yet, but an attempt timed out and the server "
            "may still be working on it"
        )
        super().__init__(
            f"{_describe_request(request)} may have been placed: every attempt failed without "
            f"saying whether it was (last: {problem}), and {why}. Check "
            f"GET /orders?status=all&symbol={symbol} for client_order_id "
            f"{self.client_order_id} before placing it again; or send the same request again "
            f"with Idempotency-Key {idempotency_key}: the API then answers with its original "
            "outcome and cannot place it twice"
        )
        self.maybe_took_effect = True


class OrderRefusedError(TimberError):
    """The SDK refused an order before sending it (max_position, orders-per-minute cap)."""


class WebSocketClosed(TimberError):
    """The WebSocket connection closed; `code` is the close code (1006: no close frame)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"the stream connection closed ({code}{': ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class HandshakeError(TimberError):
    """The server refused the WebSocket upgrade; `status` is its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _unsettled(error: TimberError, maybe_took_effect: bool, maybe_in_flight: bool) -> TimberError:
    """Marks an error whose request may have taken effect (see TimberError.maybe_took_effect)."""
    if maybe_took_effect:
        error.maybe_took_effect = True
        error._maybe_in_flight = maybe_in_flight  # type: ignore[attr-defined]
    return error


def _api_error_from(status: int, headers: Mapping[str, str], body: bytes) -> ApiError:
    request_id = headers.get("x-request-id")
    try:
        error = json.loads(body)["error"]
        code = str(error.get("code", "unknown"))
        message = str(error.get("message", ""))
        details = [d for d in error.get("details", []) if isinstance(d, dict)]
        request_id = error.get("request_id", request_id)
    except (ValueError, KeyError, TypeError, AttributeError):
        code, details = "unknown", []
        message = f"the server answered {status} without the API's error shape"
    if status == 429:
        retry_after = parse_retry_after(headers.get("retry-after"))
        return RateLimitedError(
            status, code, message, details, request_id, retry_after=retry_after
        )
    return ApiError(status, code, message, details, request_id)


# ============================================================================================
# 2. Configuration: the TIMBER_* environment and the strategy config file
# ============================================================================================


class Environment:
    """Where a script connects, read from the TIMBER_* variables the runner sets."""

    def __init__(
        self,
        base_url: str,
        stream_url: str,
        env: str,
        key_id: str,
        secret: str,
        config_path: Optional[str],
        run_id: Optional[str],
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.stream_url = stream_url
        self.env = env
        self.key_id = key_id
        self.secret = secret
        self.config_path = config_path
        self.run_id = run_id

    def __repr__(self) -> str:  # never shows the secret
        return f"Environment(env={self.env!r}, base_url={self.base_url!r}, key_id={self.key_id!r})"

    @property
    def mode(self) -> str:
        return "backtest" if self.env == "backtest" else "live"

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Environment":
        environ = os.environ if environ is None else environ
        env = environ.get("TIMBER_ENV") or "local"
        if env not in ("local", "sandbox", "live", "backtest"):
            raise ConfigError(
                f"TIMBER_ENV must be one of local, sandbox, live, backtest; got {env!r}"
            )
        missing = [
            name
            for name in ("TIMBER_BASE_URL", "TIMBER_API_KEY_ID", "TIMBER_API_SECRET")
            if not environ.get(name)
        ]
        if missing:
            raise ConfigError(
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: run the "
                "script with `tbm run` (which sets the TIMBER_* environment), or set them yourself"
            )
        # The same rules as the contract in api/script-environment.ts (a test holds both to it).
        base_url = environ["TIMBER_BASE_URL"].rstrip("/")
        if not re.match(r"^https?://[^/]", base_url):
            raise ConfigError(
                f"TIMBER_BASE_URL must start with http:// or https://, got {base_url!r}"
            )
        stream_url = environ.get("TIMBER_STREAM_URL") or _stream_url_for(base_url)
        if not re.match(r"^wss?://[^/]", stream_url):
            raise ConfigError(
                f"TIMBER_STREAM_URL must start with ws:// or wss://, got {stream_url!r}"
            )
        return cls(
            base_url,
            stream_url,
            env,
            environ["TIMBER_API_KEY_ID"],
            environ["TIMBER_API_SECRET"],
            environ.get("TIMBER_STRATEGY_CONFIG") or None,
            environ.get("TIMBER_RUN_ID") or None,
        )


def _stream_url_for(base_url: str) -> str:
    # On the text, not through urlsplit: host and port stay exactly as given.
    match = re.match(r"^(https?)://([^/?#]*)([^?#]*)", base_url, re.IGNORECASE)
    if match is None:
        raise ConfigError(f"TIMBER_BASE_URL must start with http:// or https://, got {base_url!r}")
    scheme = "wss" if match.group(1).lower() == "https" else "ws"
    return f"{scheme}://{match.group(2)}{match.group(3).rstrip('/')}/stream"


class RiskLimits:
    def __init__(
        self,
        max_position: Optional[float] = None,
        max_orders_per_minute: int = 120,
        circuit_breaker_latency_ms: int = 1000,
        circuit_breaker_failures: int = 5,
        circuit_breaker_cooldown_ms: int = 5000,
    ) -> None:
        self.max_position = max_position
        self.max_orders_per_minute = max_orders_per_minute
        self.circuit_breaker_latency_ms = circuit_breaker_latency_ms
        self.circuit_breaker_failures = circuit_breaker_failures
        self.circuit_breaker_cooldown_ms = circuit_breaker_cooldown_ms


class StrategyConfig:
    """The fields of strategy.json that the SDK uses; `raw` keeps the whole parsed file."""

    def __init__(
        self,
        name: str,
        symbols: List[str],
        interval: str = "1m",
        params: Optional[Dict[str, Any]] = None,
        risk: Optional[RiskLimits] = None,
        raw: Optional[Dict[str, Any]] = None,
        path: Optional[str] = None,
    ) -> None:
        self.name = name
        self.symbols = symbols
        self.interval = interval
        self.params = params or {}
        self.risk = risk or RiskLimits()
        self.raw = raw if raw is not None else {}
        self.path = path

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


_SYMBOL = re.compile(r"^[A-Z0-9]{2,16}$")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return _is_number(value) and float(value).is_integer()


def parse_strategy_config(data: Any, path: str = "strategy config") -> StrategyConfig:
    """Checks the fields the SDK relies on; each error names the field and the file."""

    def fail(field: str, message: str) -> ConfigError:
        return ConfigError(f"{path}: {field} {message}")

    if not isinstance(data, dict):
        raise fail("the file", "must hold a JSON object")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail('"name"', "must be a non-empty string")
    symbols = data.get("symbols")
    if not isinstance(symbols, list) or not symbols:
        raise fail('"symbols"', 'must be a non-empty list of symbols, e.g. ["EURUSD"]')
    for index, symbol in enumerate(symbols):
        if not isinstance(symbol, str) or not _SYMBOL.match(symbol):
            raise fail(
                f'"symbols[{index}]"', f"must be 2 to 16 upper-case letters or digits, got {symbol!r}"
            )
    interval = data.get("interval", "1m")
    if interval not in INTERVAL_MS:
        raise fail('"interval"', f"must be one of {', '.join(INTERVAL_MS)}, got {interval!r}")
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise fail('"params"', "must be an object of numbers, strings or booleans")
    for key, value in params.items():
        if not isinstance(value, (int, float, str, bool)):
            raise fail(f'"params.{key}"', f"must be a number, string or boolean, got {value!r}")
    risk_data = data.get("risk", {})
    if not isinstance(risk_data, dict):
        raise fail('"risk"', "must be an object")
    risk = RiskLimits()
    max_position = risk_data.get("max_position")
    if max_position is not None:
        if not _is_number(max_position) or max_position <= 0:
            raise fail('"risk.max_position"', f"must be a positive number, got {max_position!r}")
        risk.max_position = float(max_position)
    for field, upper in (
        ("max_orders_per_minute", 6000),
        ("circuit_breaker_latency_ms", None),
        ("circuit_breaker_failures", None),
        ("circuit_breaker_cooldown_ms", None),
    ):
        if field not in risk_data:
            continue
        value = risk_data[field]
        if not _is_int(value) or value <= 0 or (upper is not None and value > upper):
            bound = f" at most {upper}" if upper else ""
            raise fail(f'"risk.{field}"', f"must be a positive whole number{bound}, got {value!r}")
        setattr(risk, field, int(value))
    return StrategyConfig(name, list(symbols), interval, dict(params), risk, data, path)


def load_strategy_config(path: Optional[str] = None) -> StrategyConfig:
    """Reads TIMBER_STRATEGY_CONFIG (or strategy.json next to the script) and checks it."""
    if path is None:
        path = os.environ.get("TIMBER_STRATEGY_CONFIG") or os.path.join(
            os.path.dirname(os.path.abspath(sys.argv[0] or ".")), "strategy.json"
        )
    try:
        with open(path, "r", encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise ConfigError(
            f"the strategy config {path} does not exist: put a strategy.json next to the script "
            "or set TIMBER_STRATEGY_CONFIG to its path"
        ) from None
    except OSError as error:
        raise ConfigError(f"the strategy config {path} cannot be read: {error}") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"{path} is not valid JSON: {error}") from None
    return parse_strategy_config(data, path)


# ============================================================================================
# 3. Resilience: backoff, Retry-After, rate limits, circuit breaker (pure, clock injected)
# ============================================================================================


def backoff_delay(
    attempt: int, base: float = 0.1, cap: float = 5.0, rand: Callable[[], float] = random.random
) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)), attempt counting from 0."""
    ceiling = min(cap, base * (2 ** min(attempt, 62)))
    return rand() * ceiling


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date; None if absent."""
    if value is None:
        return None
    value = value.strip()
    if re.match(r"^\d+(\.\d+)?$", value):
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


class RateLimitTracker:
    """Remembers the last X-RateLimit-* headers; says how long to wait when nothing remains."""

    # A Reset further away than this means the server's clock is not ours (a sandbox started
    # with --now): then we let the request go and honour the 429's Retry-After instead.
    max_wait = 60.0

    def __init__(self) -> None:
        self.limit: Optional[int] = None
        self.remaining: Optional[int] = None
        self.reset_ms: Optional[float] = None

    def update(self, headers: Mapping[str, str]) -> None:
        try:
            if "x-ratelimit-limit" in headers:
                self.limit = int(headers["x-ratelimit-limit"])
            if "x-ratelimit-remaining" in headers:
                self.remaining = int(headers["x-ratelimit-remaining"])
            if "x-ratelimit-reset" in headers:
                self.reset_ms = float(headers["x-ratelimit-reset"])
        except ValueError:
            pass  # a malformed header must not break a request that otherwise worked

    def wait_time(self, now: Optional[float] = None) -> float:
        if self.remaining is None or self.remaining > 0 or self.reset_ms is None:
            return 0.0
        wait = self.reset_ms / 1000 - (time.time() if now is None else now)
        return wait if 0 < wait <= self.max_wait else 0.0

    def spent(self) -> None:
        """Called after waiting, so the next request is not held back by stale headers."""
        self.remaining = None


class CircuitBreaker:
    """closed -> open (N consecutive failures, or one answer slower than the latency limit)
    -> half_open after the cooldown (one trial request) -> closed on success, open on failure.

    It gates only whether a new order may go out (check); requests already sent are retried
    and settled whatever its state, and every outcome still feeds it."""

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

    def __init__(
        self,
        failures: int = 5,
        latency_ms: float = 1000,
        cooldown_ms: float = 5000,
        clock: Callable[[], float] = time.monotonic,
        on_change: Optional[Callable[[str, str], None]] = None,
    ) -> None:
        self.failure_limit = failures
        self.latency_ms = latency_ms
        self.cooldown = cooldown_ms / 1000
        self.clock = clock
        self.on_change = on_change
        self.state = self.CLOSED
        self.failures = 0
        self.opened_at = 0.0
        self.reason = ""
        self._trial_out = False

    def check(self) -> None:
        """Before a new order's first attempt: raises CircuitOpenError unless it may go."""
        if self.state == self.CLOSED:
            return
        if self.state == self.OPEN:
            remaining = self.opened_at + self.cooldown - self.clock()
            if remaining > 0:
                raise self.open_error(remaining)
            self._set(self.HALF_OPEN, "the cooldown passed; one trial request goes through")
        if self._trial_out:
            raise CircuitOpenError(
                "trading is paused: a trial request is testing the server after the circuit "
                "breaker opened; try again once it is answered",
                0.0,
            )
        self._trial_out = True

    def open_error(self, remaining: Optional[float] = None) -> CircuitOpenError:
        if remaining is None:
            remaining = max(0.0, self.opened_at + self.cooldown - self.clock())
        return CircuitOpenError(
            f"trading is paused: the circuit breaker opened because {self.reason}; "
            f"one trial order will be let through in {remaining:.1f} s",
            remaining,
        )

    def release(self) -> None:
        """A trial that ended without a verdict (429, a refused request) frees the trial slot."""
        self._trial_out = False

    def record_success(self, latency_ms: float) -> None:
        # Compared in whole milliseconds, as printed: an answer in 1000.4 ms is within a
        # 1000 ms limit, and the message never reads "took 1000 ms (limit 1000 ms)".
        took = int(latency_ms)
        if took > self.latency_ms:
            self._open(f"a request took {took} ms (limit {self.latency_ms:.0f} ms)")
            return
        self.failures = 0
        if self.state == self.HALF_OPEN:
            self._set(self.CLOSED, "a trial request succeeded")

    def record_failure(self, what: str) -> None:
        self.failures += 1
        if self.state == self.HALF_OPEN:
            self._open(f"the trial request failed ({what})")
        elif self.state == self.CLOSED and self.failures >= self.failure_limit:
            self._open(f"{self.failures} requests failed in a row (last: {what})")

    def _open(self, reason: str) -> None:
        self.reason = reason
        self.opened_at = self.clock()
        self._set(self.OPEN, reason)

    def _set(self, state: str, why: str) -> None:
        self._trial_out = False
        if state == self.CLOSED:
            self.failures = 0
        if state != self.state:
            self.state = state
            if self.on_change is not None:
                self.on_change(state, why)


# ============================================================================================
# 4. REST client: http.client with keep-alive, tokens, idempotency keys, retries
# ============================================================================================

_NETWORK_ERRORS = (OSError, http.client.HTTPException)


class _NotConnected(ConnectionError):
    """Opening the connection failed: that attempt's request never left this process."""


class _OneWrite:
    """http.client writes a request's head and its body with two send calls: on a connection
    with TCP_NODELAY, two packets, so the server wakes twice for each order. This holds the
    head back until the body follows and writes them together."""

    _hold_head = False
    _head: Optional[bytes] = None

    def request(
        self, method: str, url: str, body: Any = None, headers: Any = None, **options: Any
    ) -> None:
        self._hold_head = isinstance(body, bytes) and len(body) > 0
        try:
            super().request(method, url, body, headers or {}, **options)  # type: ignore[misc]
        except BaseException:
            self._head = None  # the connection is closed after a failure; nothing to send
            raise
        finally:
            self._hold_head = False
        if self._head is not None:  # no second write came (an http.client that sends it whole)
            head, self._head = self._head, None
            super().send(head)  # type: ignore[misc]

    def send(self, data: Any) -> None:
        if self._hold_head:
            self._hold_head = False
            self._head = data
            return
        if self._head is not None:
            data, self._head = self._head + data, None
        super().send(data)  # type: ignore[misc]


class _HTTPConnection(_OneWrite, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_OneWrite, http.client.HTTPSConnection):
    pass


class Client:
    """The REST API. One keep-alive connection, reopened when dropped. Reads, keyed orders and
    cancels are retried (network errors, 5xx, 429) with full-jitter backoff; 429 waits for
    Retry-After. A new order goes out only if the circuit breaker lets it (CircuitOpenError
    otherwise, without a request); once sent, it is retried under its Idempotency-Key until
    its outcome is known, whatever the breaker does meanwhile, and looked up by its
    client_order_id if the retries run out (OrderOutcomeUnknownError if even that fails)."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        secret: str,
        *,
        breaker: Optional[CircuitBreaker] = None,
        max_retries: int = 5,
        backoff_base: float = 0.1,
        backoff_cap: float = 5.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Optional[Callable[[str], None]] = None,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"the base URL must be http(s)://host[:port][/path], got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path
        self.key_id = key_id
        self._secret = secret
        self.breaker = breaker or CircuitBreaker()
        self.rate = RateLimitTracker()
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.timeout = timeout
        self.sleep = sleep
        self.on_retry = on_retry
        self._conn: Optional[http.client.HTTPConnection] = None
        self._token: Optional[str] = None
        self._refresh_token: Optional[str] = None
        self._token_expires = 0.0
        # Per symbol, the cursor of the last page an order lookup read: the next lookup starts
        # there, so it reads only orders placed since instead of the account's whole history.
        self._lookup_cursor: Dict[Optional[str], Optional[str]] = {}
        # Lockstep replay sessions: an acknowledgement every request carries (X-Timber-Ack),
        # set by the runtime while it runs a bar the server's clock has not reached yet.
        self.lockstep_ack: Optional[int] = None

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, **options: Any) -> "Client":
        env = Environment.from_env(environ)
        return cls(env.base_url, env.key_id, env.secret, **options)

    # -- connection ---------------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self._https:
                self._conn = _HTTPSConnection(self._host, self._port, timeout=self.timeout)
            else:
                self._conn = _HTTPConnection(self._host, self._port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _send(
        self, method: str, path: str, body: Optional[bytes], headers: Dict[str, str]
    ) -> Tuple[int, Dict[str, str], bytes]:
        conn = self._connection()
        if conn.sock is None:
            try:
                conn.connect()
            except _NETWORK_ERRORS as error:
                self.close()
                raise _NotConnected(str(error)) from error
        try:
            conn.request(method, self._prefix + path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()  # a half-used connection cannot carry the next request
            raise
        if response.will_close:
            self.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    # -- tokens -------------------------------------------------------------------------------

    def access_token(self) -> str:
        """A valid bearer token: exchanged, or refreshed a minute before it expires."""
        if self._token is not None and time.monotonic() < self._token_expires:
            return self._token
        answer: Optional[Dict[str, Any]] = None
        if self._refresh_token is not None:
            try:
                answer = self._token_request(
                    {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
                )
            except ApiError:
                answer = None  # expired or revoked: fall back to the key itself
        if answer is None:
            try:
                answer = self._token_request(
                    {
                        "grant_type": "client_credentials",
                        "client_id": self.key_id,
                        "client_secret": self._secret,
                    }
                )
            except ApiError as error:
                if error.status in (400, 401):
                    raise ApiError(
                        error.status,
                        error.code,
                        f"the API key {self.key_id} was refused ({error.message}); check "
                        "TIMBER_API_KEY_ID and TIMBER_API_SECRET, or create a key with "
                        "`tbm keys create`",
                        error.details,
                        error.request_id,
                    ) from None
                raise
        self._token = str(answer["access_token"])
        self._refresh_token = answer.get("refresh_token") or self._refresh_token
        lifetime = float(answer.get("expires_in", 3600))
        self._token_expires = time.monotonic() + max(lifetime * 0.5, lifetime - 60)
        return self._token

    def _token_request(self, form: Dict[str, str]) -> Dict[str, Any]:
        body = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        result = self._exchange("POST", "/oauth/token", body, headers, safe=True, guarded=False)
        if not isinstance(result, dict) or "access_token" not in result:
            raise ApiError(200, "unknown", "the token answer has no access_token")
        return result

    def invalidate_token(self) -> None:
        self._token = None

    # -- requests -----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        idempotency_key: Optional[str] = None,
        guarded: bool = False,
        retry: Optional[bool] = None,
    ) -> Any:
        """One API call; returns the parsed JSON answer, raises ApiError & co otherwise.
        `guarded`: refused with CircuitOpenError, without a request, while the breaker is open.
        An error whose request may have taken effect anyway has `maybe_took_effect` set."""
        if query:
            pairs = {k: v for k, v in query.items() if v is not None}
            if pairs:
                path += "?" + urllib.parse.urlencode(pairs)
        headers = {"Accept": "application/json", "User-Agent": f"timber-python/{VERSION}"}
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if self.lockstep_ack is not None:
            headers["X-Timber-Ack"] = str(self.lockstep_ack)
        safe = retry if retry is not None else (method != "POST" or idempotency_key is not None)
        return self._exchange(method, path, data, headers, safe=safe, guarded=guarded, auth=True)

    def _exchange(
        self,
        method: str,
        path: str,
        data: Optional[bytes],
        headers: Dict[str, str],
        *,
        safe: bool,
        guarded: bool,
        auth: bool = False,
    ) -> Any:
        if not guarded:
            return self._attempts(method, path, data, headers, safe, auth)
        # The only place the breaker refuses: before the first attempt. A request once sent is
        # settled under its own key, or a placed order could be reported as refused.
        self.breaker.check()
        try:
            return self._attempts(method, path, data, headers, safe, auth)
        finally:
            self.breaker.release()

    def _attempts(
        self,
        method: str,
        path: str,
        data: Optional[bytes],
        headers: Dict[str, str],
        safe: bool,
        auth: bool,
    ) -> Any:
        attempt = 0
        refreshed = False
        changes_state = method != "GET"
        # Whether an attempt may have changed something on the server although it failed, and
        # whether one may still be doing so (we stopped waiting; the server did not answer).
        maybe_took_effect = False
        maybe_in_flight = False
        while True:
            wait = self.rate.wait_time()
            if wait > 0:
                self.sleep(wait)
                self.rate.spent()
            if auth:
                headers["Authorization"] = "Bearer " + self.access_token()
            started = time.monotonic()
            try:
                status, answer_headers, payload = self._send(method, path, data, headers)
            except _NETWORK_ERRORS as error:
                cause = error.__cause__ if isinstance(error, _NotConnected) else error
                what = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
                self.breaker.record_failure(what)
                if changes_state and not isinstance(error, _NotConnected):
                    maybe_took_effect = True
                    maybe_in_flight = maybe_in_flight or isinstance(error, socket.timeout)
                if safe and attempt < self.max_retries:
                    attempt = self._pause(attempt, None, f"{method} {path}: {what}")
                    continue
                failure = NetworkError(
                    f"{method} {path} failed: {what}; check that the server at {self.base_url} "
                    "is running and reachable"
                )
                raise _unsettled(failure, maybe_took_effect, maybe_in_flight) from error
            latency_ms = (time.monotonic() - started) * 1000
            self.rate.update(answer_headers)
            if status == 401 and auth and not refreshed:
                refreshed = True  # the token expired or was revoked: one fresh exchange
                self._token = None
                continue
            if status == 429:
                error = _api_error_from(status, answer_headers, payload)
                if attempt < self.max_retries:
                    retry_after = getattr(error, "retry_after", None)
                    attempt = self._pause(attempt, retry_after, f"{method} {path}: rate limited")
                    continue
                # Refused before it did anything; an earlier attempt may still have done it.
                raise _unsettled(error, maybe_took_effect, maybe_in_flight)
            if status >= 500:
                self.breaker.record_failure(f"{status} from {method} {path}")
                maybe_took_effect = maybe_took_effect or changes_state
                if safe and attempt < self.max_retries:
                    attempt = self._pause(attempt, None, f"{method} {path}: {status}")
                    continue
                error = _api_error_from(status, answer_headers, payload)
                raise _unsettled(error, maybe_took_effect, maybe_in_flight)
            self.breaker.record_success(latency_ms)
            if status >= 400:
                error = _api_error_from(status, answer_headers, payload)
                # A keyed request that took effect is answered again with its original outcome,
                # so only a conflict can hide an earlier attempt's effect (an order's
                # client_order_id already used by itself, a cancel of what is already cancelled).
                raise _unsettled(error, maybe_took_effect and status == 409, maybe_in_flight)
            if not payload:
                return None
            try:
                return json.loads(payload)
            except ValueError:
                raise ApiError(status, "unknown", "the server answered with invalid JSON") from None

    def _pause(self, attempt: int, retry_after: Optional[float], what: str) -> int:
        delay = (
            retry_after
            if retry_after is not None
            else backoff_delay(attempt, self.backoff_base, self.backoff_cap)
        )
        if self.on_retry is not None:
            self.on_retry(
                f"retrying {what}; retry {attempt + 1} of {self.max_retries} in {delay:.2f} s"
            )
        self.sleep(delay)
        return attempt + 1

    # -- the API ------------------------------------------------------------------------------

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)

    def account(self) -> Dict[str, Any]:
        return self.request("GET", "/account")

    def instruments(self) -> List[Dict[str, Any]]:
        """Every instrument the API trades, with its steps and trading hours (no quotes)."""
        return self.request("GET", "/market")["instruments"]

    def instrument(self, symbol: str) -> Dict[str, Any]:
        return self.request("GET", f"/market/{urllib.parse.quote(symbol)}")

    def candles(self, symbol: str, interval: str = "1m", limit: int = 500, **query: Any) -> Any:
        return self.request(
            "GET",
            "/market/candles",
            query={"symbol": symbol, "interval": interval, "limit": limit, **query},
        )["candles"]

    def orders(self, status: str = "open", symbol: Optional[str] = None) -> List[Dict[str, Any]]:
        """Every order of that status, following cursors."""
        found: List[Dict[str, Any]] = []
        cursor = None
        while True:
            page = self.request(
                "GET",
                "/orders",
                query={"status": status, "symbol": symbol, "limit": 500, "cursor": cursor},
            )
            found.extend(page["orders"])
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def place_order(
        self,
        order: Mapping[str, Any],
        idempotency_key: Optional[str] = None,
        *,
        guarded: bool = True,
    ) -> Dict[str, Any]:
        """POST /orders with an Idempotency-Key (a fresh uuid4, the same on every retry) and a
        client_order_id (a fresh uuid4 unless the order has one). `guarded=False` lets it past
        an open circuit breaker (for orders that only reduce a position).

        Returns the order; raises CircuitOpenError (not sent), ApiError & co (not placed: the
        server said so), or OrderOutcomeUnknownError (it may have been placed)."""
        request = dict(order)
        if not request.get("client_order_id"):
            request["client_order_id"] = str(uuid.uuid4())
        key = idempotency_key or str(uuid.uuid4())
        try:
            return self.request(
                "POST", "/orders", body=request, idempotency_key=key, guarded=guarded
            )
        except (ApiError, NetworkError) as error:
            if not error.maybe_took_effect:
                raise
            return self._settle_order(request, key, error)

    def _settle_order(
        self, request: Dict[str, Any], key: str, error: TimberError
    ) -> Dict[str, Any]:
        """The retries ran out with the order maybe placed: the API's list of orders says."""
        client_order_id = request["client_order_id"]
        if self.on_retry is not None:
            self.on_retry(
                f"looking up order {client_order_id}: no attempt of POST /orders said whether "
                f"it was placed (last: {error})"
            )
        try:
            found = self.find_order(client_order_id, request.get("symbol"))
        except (ApiError, NetworkError) as lookup_error:
            raise OrderOutcomeUnknownError(request, key, error, lookup_error) from error
        if found is not None:
            return found
        if getattr(error, "_maybe_in_flight", False):
            raise OrderOutcomeUnknownError(request, key, error, None) from error
        # Every attempt ended and the server lists no such order: it said "not placed".
        error.maybe_took_effect = False
        error.args = (
            f"{error}; the order was not placed (the API lists no order with client_order_id "
            f"{client_order_id})",
        )
        raise error

    def find_order(
        self, client_order_id: str, symbol: Optional[str] = None
    ) -> Optional[Dict[str, Any]]:
        """The order with this client_order_id (any status), or None. The API lists orders
        oldest first and cannot filter by client_order_id: this pages through GET /orders,
        starting where the last lookup for the symbol ended."""
        cursor = self._lookup_cursor.get(symbol)
        while True:
            page = self.request(
                "GET",
                "/orders",
                query={"status": "all", "symbol": symbol, "limit": 500, "cursor": cursor},
            )
            found = next(
                (o for o in page["orders"] if o.get("client_order_id") == client_order_id), None
            )
            next_cursor = page.get("next_cursor")
            if found is not None or not next_cursor:
                # This page is read again next time: orders placed since are appended to it.
                self._lookup_cursor[symbol] = cursor
                return found
            cursor = next_cursor

    def cancel_order(self, order_id: str) -> Dict[str, Any]:
        # Cancels always pass the breaker: a strategy in trouble must be able to step back.
        return self.request("DELETE", f"/orders/{urllib.parse.quote(order_id)}")

    def cancel_orders(self, request: Mapping[str, Any]) -> Dict[str, Any]:
        return self.request("POST", "/orders/cancel", body=dict(request), retry=True)


# ============================================================================================
# 5. WebSocket: a minimal RFC 6455 client (text frames, fragmentation, ping/pong, close)
# ============================================================================================

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_READ_CHUNK = 256 * 1024


def websocket_accept(key: str) -> str:
    """The Sec-WebSocket-Accept a server must answer to `key`."""
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def apply_mask(payload: bytes, mask: bytes) -> bytes:
    """XORs payload with the repeating 4-byte mask (masking and unmasking are the same)."""
    length = len(payload)
    if length == 0:
        return b""
    repeated = (mask * (length // 4 + 1))[:length]
    value = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(length, "big")


def encode_frame(
    opcode: int, payload: bytes, *, fin: bool = True, mask: Optional[bytes] = None
) -> bytes:
    """One frame; client frames must be masked (pass mask=None to get a random key)."""
    if mask is None:
        mask = os.urandom(4)
    length = len(payload)
    head = bytearray([(0x80 if fin else 0) | opcode])
    masked_bit = 0x80 if mask else 0
    if length < 126:
        head.append(masked_bit | length)
    elif length < 1 << 16:
        head.append(masked_bit | 126)
        head += length.to_bytes(2, "big")
    else:
        head.append(masked_bit | 127)
        head += length.to_bytes(8, "big")
    if not mask:
        return bytes(head) + payload
    return bytes(head) + mask + apply_mask(payload, mask)


class ProtocolError(TimberError):
    """The peer broke RFC 6455; `close_code` is what we answer with."""

    def __init__(self, message: str, close_code: int = 1002) -> None:
        super().__init__(message)
        self.close_code = close_code


class FrameDecoder:
    """Turns a byte stream into frames: feed() as much as arrived, get every complete frame."""

    def __init__(self, max_payload: int = 64 * 1024 * 1024) -> None:
        self.max_payload = max_payload
        self._buffer = b""

    def feed(self, data: bytes) -> List[Tuple[bool, int, bytes]]:
        buf = self._buffer + data if self._buffer else data
        size = len(buf)
        frames: List[Tuple[bool, int, bytes]] = []
        pos = 0
        while size - pos >= 2:
            first = buf[pos]
            second = buf[pos + 1]
            length = second & 0x7F
            head = pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                head = pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = pos + 10
            if first & 0x70:
                raise ProtocolError("the server set reserved bits without a negotiated extension")
            if length > self.max_payload:
                raise ProtocolError(f"a frame of {length} bytes is larger than allowed", 1009)
            mask = None
            if second & 0x80:
                if size - head < 4:
                    break
                mask = buf[head : head + 4]
                head += 4
            end = head + length
            if end > size:
                break
            payload = buf[head:end]
            if mask is not None:
                payload = apply_mask(payload, mask)
            opcode = first & 0x0F
            fin = bool(first & 0x80)
            if opcode >= 0x8 and (not fin or length > 125):
                raise ProtocolError("a control frame was fragmented or longer than 125 bytes")
            frames.append((fin, opcode, payload))
            pos = end
        self._buffer = buf[pos:] if pos < size else b""
        return frames


class WebSocket:
    """A client connection. recv() returns str (text) or bytes (binary), None on a timeout,
    and raises WebSocketClosed once the connection is closed."""

    def __init__(self, sock: socket.socket, leftover: bytes = b"") -> None:
        self.sock = sock
        self._decoder = FrameDecoder()
        self._messages: Deque[Any] = collections.deque()
        self._fragments: List[bytes] = []
        self._fragment_opcode = 0
        self._timeout: Optional[float] = -1.0
        self.closed: Optional[WebSocketClosed] = None
        self._close_sent = False
        if leftover:
            self._take(leftover)

    @classmethod
    def connect(
        cls,
        url: str,
        headers: Optional[Mapping[str, str]] = None,
        timeout: float = 10.0,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> "WebSocket":
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ConfigError(f"a stream URL must be ws(s)://host[:port]/path, got {url!r}")
        secure = parts.scheme == "wss"
        port = parts.port or (443 if secure else 80)
        try:
            sock = socket.create_connection((parts.hostname, port), timeout=timeout)
        except OSError as error:
            raise NetworkError(
                f"cannot connect to the stream at {parts.hostname}:{port}: {error}"
            ) from error
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if secure:
                context = ssl_context or ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=parts.hostname)
            key = base64.b64encode(os.urandom(16)).decode()
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
            lines = [
                f"GET {target} HTTP/1.1",
                f"Host: {host}",
                "Upgrade: websocket",
                "Connection: Upgrade",
                f"Sec-WebSocket-Key: {key}",
                "Sec-WebSocket-Version: 13",
            ]
            lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            leftover = cls._read_handshake(sock, key)
        except BaseException:
            sock.close()
            raise
        return cls(sock, leftover)

    @staticmethod
    def _read_handshake(sock: socket.socket, key: str) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                raise NetworkError("the server closed the connection during the stream handshake")
            data += chunk
            if len(data) > 65536:
                raise NetworkError("the stream handshake answer is too long")
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status_parts = lines[0].split(" ", 2)
        status = int(status_parts[1]) if len(status_parts) > 1 and status_parts[1].isdigit() else 0
        fields: Dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if status != 101:
            length = int(fields.get("content-length", "0") or 0)
            body = rest
            while len(body) < length:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                body += chunk
            message = f"the stream refused the connection with HTTP {status}"
            try:
                error = json.loads(body)["error"]
                message += f" {error['code']}: {error['message']}"
            except (ValueError, KeyError, TypeError):
                pass
            raise HandshakeError(status, message)
        if fields.get("upgrade", "").lower() != "websocket":
            raise HandshakeError(status, "the server answered 101 without Upgrade: websocket")
        if fields.get("sec-websocket-accept") != websocket_accept(key):
            raise HandshakeError(status, "the server's Sec-WebSocket-Accept does not match our key")
        return rest

    # -- sending ------------------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        self._send(OP_TEXT, text.encode("utf-8"))

    def send_binary(self, data: bytes) -> None:
        self._send(OP_BINARY, data)

    def ping(self, data: bytes = b"") -> None:
        self._send(OP_PING, data)

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.closed is not None:
            raise self.closed
        try:
            self.sock.sendall(encode_frame(opcode, payload))
        except OSError as error:
            self._lost(f"sending failed: {error}")
            raise self.closed from error  # type: ignore[misc]

    def close(self, code: int = 1000, reason: str = "", wait: float = 1.0) -> None:
        """Close handshake: send our close frame, wait briefly for the server's, then hang up."""
        if self.closed is None:
            try:
                self._close_sent = True
                self.sock.sendall(encode_frame(OP_CLOSE, code.to_bytes(2, "big") + reason.encode()))
                deadline = time.monotonic() + wait
                while self.closed is None and time.monotonic() < deadline:
                    self._read(max(0.01, deadline - time.monotonic()))
            except (OSError, TimberError):
                pass
            if self.closed is None:
                self.closed = WebSocketClosed(code, reason)
        try:
            self.sock.close()
        except OSError:
            pass

    # -- receiving ----------------------------------------------------------------------------

    def pending(self) -> int:
        """Complete messages already read and waiting (recv() returns them without blocking)."""
        return len(self._messages)

    def recv(self, timeout: Optional[float] = None) -> Any:
        if self._messages or self.wait(timeout):
            return self._messages.popleft()
        return None

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Reads until at least one message is complete (True) or the timeout passed (False)."""
        messages = self._messages
        deadline = None if timeout is None else time.monotonic() + timeout
        while not messages:
            if self.closed is not None:
                raise self.closed
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            self._read(left)
        return True

    def take_all(self) -> List[Any]:
        """Every complete message read so far, oldest first (one socket read often brings many)."""
        taken = list(self._messages)
        self._messages.clear()
        return taken

    def _read(self, timeout: Optional[float]) -> None:
        if timeout != self._timeout:
            self.sock.settimeout(timeout)
            self._timeout = timeout
        try:
            data = self.sock.recv(_READ_CHUNK)
        except socket.timeout:
            return
        except OSError as error:
            self._lost(f"reading failed: {error}")
            return
        if not data:
            self._lost("the server hung up without a close frame")
            return
        self._take(data)

    def _lost(self, reason: str) -> None:
        if self.closed is None:
            self.closed = WebSocketClosed(1006, reason)
        try:
            self.sock.close()
        except OSError:
            pass

    def _take(self, data: bytes) -> None:
        try:
            frames = self._decoder.feed(data)
        except ProtocolError as error:
            self._fail(error.close_code, str(error))
            return
        for fin, opcode, payload in frames:
            if opcode == OP_TEXT or opcode == OP_BINARY:
                if self._fragments:
                    self._fail(1002, "a new message began before the fragmented one ended")
                    return
                if fin:
                    self._deliver(opcode, payload)
                else:
                    self._fragment_opcode = opcode
                    self._fragments.append(payload)
            elif opcode == OP_CONTINUATION:
                if not self._fragments:
                    self._fail(1002, "a continuation frame came without a message to continue")
                    return
                self._fragments.append(payload)
                if fin:
                    whole = b"".join(self._fragments)
                    self._fragments = []
                    self._deliver(self._fragment_opcode, whole)
            elif opcode == OP_PING:
                try:
                    self.sock.sendall(encode_frame(OP_PONG, payload))
                except OSError:
                    pass  # the read side will notice the broken connection
            elif opcode == OP_PONG:
                pass
            elif opcode == OP_CLOSE:
                self._on_close(payload)
                return
            else:
                self._fail(1002, f"unknown opcode {opcode}")
                return

    def _deliver(self, opcode: int, payload: bytes) -> None:
        if opcode == OP_TEXT:
            try:
                self._messages.append(payload.decode("utf-8"))
            except UnicodeDecodeError:
                self._fail(1007, "a text message was not valid UTF-8")
        else:
            self._messages.append(payload)

    def _on_close(self, payload: bytes) -> None:
        code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
        reason = payload[2:].decode("utf-8", "replace")
        if self.closed is None and not self._close_sent:
            try:  # echo the close frame: the handshake's second half
                self.sock.sendall(encode_frame(OP_CLOSE, payload[:2]))
            except OSError:
                pass
        self.closed = WebSocketClosed(code, reason)
        try:
            self.sock.close()
        except OSError:
            pass

    def _fail(self, code: int, reason: str) -> None:
        try:
            self.sock.sendall(encode_frame(OP_CLOSE, code.to_bytes(2, "big") + reason.encode()))
        except OSError:
            pass
        self.closed = WebSocketClosed(code, reason)
        try:
            self.sock.close()
        except OSError:
            pass


# ============================================================================================
# 6. Stream client: auth, subscriptions, heartbeat watchdog, reconnect, since_seq resume
# ============================================================================================


class StreamClient:
    """JSON messages from /stream. receive() hides reconnects: after a drop it reconnects with
    backoff, subscribes again, and resumes orders/account from the last seq it saw (events it
    already had are skipped), so a caller sees every order and account event exactly once."""

    RESUMABLE = ("orders", "account")

    def __init__(
        self,
        url: str,
        token: Callable[[], str],
        *,
        invalidate_token: Optional[Callable[[], None]] = None,
        heartbeat_timeout: float = 15.0,
        ping_every: float = 10.0,
        backoff_base: float = 0.2,
        backoff_cap: float = 10.0,
        give_up_after: float = 300.0,
        connect_timeout: float = 10.0,
        should_stop: Callable[[], bool] = lambda: False,
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.url = url
        self._token = token
        self._invalidate_token = invalidate_token or (lambda: None)
        self.heartbeat_timeout = heartbeat_timeout
        self.ping_every = ping_every
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.give_up_after = give_up_after
        self.connect_timeout = connect_timeout
        self.should_stop = should_stop
        self.log = log
        self.subscriptions: Dict[Tuple[str, Optional[str]], Dict[str, Any]] = {}
        self.last_seq: Dict[str, Optional[int]] = {"orders": None, "account": None}
        self.reconnects = 0
        self.on_reconnect: Optional[Callable[[], None]] = None
        self._ws: Optional[WebSocket] = None
        self._held: Deque[Dict[str, Any]] = collections.deque()
        self._last_received = time.monotonic()
        self._last_sent = time.monotonic()

    # -- connection ---------------------------------------------------------------------------

    def connect(self) -> None:
        """The first connection; failures before it are retried like a reconnect."""
        self._reconnect(first=True)

    def _open(self) -> None:
        token = self._token()
        try:
            self._ws = WebSocket.connect(
                self.url, {"Authorization": f"Bearer {token}"}, timeout=self.connect_timeout
            )
        except HandshakeError as error:
            if error.status == 401:
                self._invalidate_token()
            raise
        self._last_received = self._last_sent = time.monotonic()

    def _reconnect(self, first: bool = False) -> None:
        started = time.monotonic()
        attempt = 0
        while True:
            if self.should_stop():
                raise WebSocketClosed(1000, "stopping")
            try:
                self._open()
                break
            except HandshakeError as error:
                if error.status not in (401, 408, 429) and 400 <= error.status < 500:
                    raise  # a wrong URL or a session that is gone: retrying cannot help
                problem = str(error)
            except (NetworkError, OSError, WebSocketClosed, ApiError) as error:
                if isinstance(error, ApiError) and error.status < 500 and error.status != 429:
                    raise
                problem = str(error)
            if time.monotonic() - started > self.give_up_after:
                raise NetworkError(
                    f"the stream at {self.url} stayed unreachable for {self.give_up_after:.0f} s "
                    f"(last problem: {problem}); check that the server is running"
                )
            delay = backoff_delay(attempt, self.backoff_base, self.backoff_cap)
            attempt += 1
            self.log(f"stream: {problem}; connecting again in {delay:.1f} s")
            self._sleep(delay)
        if not first:
            self.reconnects += 1
            self.log(f"stream: reconnected (reconnect #{self.reconnects}), resuming")
        for (channel, _), request in self.subscriptions.items():
            message = dict(request)
            if channel in self.RESUMABLE and self.last_seq[channel] is not None:
                message["since_seq"] = self.last_seq[channel]
            self.send(message)
        if not first and self.on_reconnect is not None:
            self.on_reconnect()

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.should_stop():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.1))

    def _lost(self, why: str) -> None:
        self.log(f"stream: connection lost ({why})")
        if self._ws is not None:
            self._ws.close(wait=0.0)
            self._ws = None

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    # -- sending ------------------------------------------------------------------------------

    def send(self, message: Mapping[str, Any]) -> None:
        """Sends one client message; on a broken connection it is dropped (a reconnect resends
        subscriptions, and acks are resent by the caller's on_reconnect)."""
        if self._ws is None:
            return
        try:
            self._ws.send_text(json.dumps(message, separators=(",", ":")))
            self._last_sent = time.monotonic()
        except WebSocketClosed as closed:
            self._lost(str(closed))

    def subscribe(
        self,
        channel: str,
        symbols: Optional[List[str]] = None,
        interval: Optional[str] = None,
        since_seq: Optional[int] = None,
    ) -> None:
        request: Dict[str, Any] = {"op": "subscribe", "channel": channel}
        if symbols is not None:
            request["symbols"] = list(symbols)
        if interval is not None:
            request["interval"] = interval
        self.subscriptions[(channel, interval)] = request
        message = dict(request)
        if since_seq is not None:
            message["since_seq"] = since_seq
            if channel in self.RESUMABLE:
                self.last_seq[channel] = since_seq
        self.send(message)

    def wait_subscribed(self, count: int, timeout: float = 10.0) -> None:
        """Reads until `count` subscriptions are confirmed; other messages are kept for later."""
        deadline = time.monotonic() + timeout
        kept: List[Dict[str, Any]] = []
        while count > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NetworkError(
                    f"the stream did not confirm the subscriptions within {timeout:.0f} s"
                )
            message = self.receive(left)
            if message is None:
                continue
            if message.get("channel") == "system" and message.get("type") == "subscribed":
                count -= 1
            elif message.get("type") == "error":
                error = message.get("error") or {}
                raise TimberError(
                    f"the stream refused a subscription: {error.get('code')}: "
                    f"{error.get('message')}"
                )
            else:
                kept.append(message)
        self._held.extendleft(reversed(kept))

    # -- receiving ----------------------------------------------------------------------------

    def pending(self) -> int:
        """Messages already received and parsed or waiting as frames (no blocking needed)."""
        return len(self._held) + (self._ws.pending() if self._ws is not None else 0)

    def receive(self, timeout: float) -> Optional[Dict[str, Any]]:
        """The next message, or None once `timeout` seconds passed without one."""
        held = self._held
        if not held:
            held.extend(self.receive_batch(timeout))
            if not held:
                return None
        return held.popleft()

    def receive_batch(self, timeout: float) -> List[Dict[str, Any]]:
        """Every message available after at most one wait of `timeout` seconds (maybe none).
        Taking a whole socket read at once keeps the per-message cost low in backtests."""
        if self._held:
            batch = list(self._held)
            self._held.clear()
            return batch
        deadline = time.monotonic() + timeout
        while True:
            ws = self._ws
            if ws is None:
                self._reconnect()
                continue
            if not ws.pending():
                now = time.monotonic()
                if now - self._last_sent > self.ping_every:
                    self.send({"op": "ping"})  # the server drops clients silent for 30 s
                    if self._ws is None:
                        continue
                try:
                    got = ws.wait(max(0.0, min(deadline - now, self.heartbeat_timeout)))
                except WebSocketClosed as closed:
                    self._lost(str(closed))
                    continue
                now = time.monotonic()
                if not got:
                    if now - self._last_received > self.heartbeat_timeout:
                        self._lost(f"no message or heartbeat for {self.heartbeat_timeout:.0f} s")
                        continue
                    if now >= deadline:
                        return []
                    continue
                self._last_received = now
            batch = self._parse(ws.take_all())
            if batch:
                return batch

    def _parse(self, texts: List[Any]) -> List[Dict[str, Any]]:
        batch = []
        last_seq = self.last_seq
        loads = json.loads
        for text in texts:
            # The API sends JSON as text frames; JSON in binary frames is read the same way.
            if type(text) is bytes:
                text = text.decode("utf-8", "replace")
            try:
                message = loads(text)
            except ValueError:
                self.log("stream: ignored a message that is not JSON")
                continue
            channel = message.get("channel")
            if channel == "orders" or channel == "account":
                seq = message.get("seq")
                last = last_seq[channel]
                if isinstance(seq, int):
                    if last is not None and seq <= last:
                        continue  # already seen before a reconnect
                    last_seq[channel] = seq
            elif channel == "system" and message.get("type") == "subscribed":
                self._note_position(message.get("data"))
            batch.append(message)
        return batch

    def _note_position(self, data: Any) -> None:
        """A subscription's answer says where its channel stands: a resume after a drop
        starts there even when no event came before the drop."""
        if not isinstance(data, dict):
            return
        channel, seq = data.get("channel"), data.get("seq")
        if channel in self.RESUMABLE and isinstance(seq, int) and self.last_seq[channel] is None:
            self.last_seq[channel] = seq


# ============================================================================================
# 7. Strategy runtime: Strategy, Context, the live loop, the lockstep replay loop, run()
# ============================================================================================


class Candle:
    """A closed bar: symbol, interval, t (open time, ms), o, h, l, c, v. candle["c"] works too."""

    __slots__ = ("symbol", "interval", "t", "o", "h", "l", "c", "v")

    def __init__(
        self, symbol: str, interval: str, t: int, o: float, h: float, l: float, c: float, v: float
    ) -> None:
        self.symbol = symbol
        self.interval = interval
        self.t = t
        self.o = o
        self.h = h
        self.l = l  # noqa: E741 (the market's own name for the low)
        self.c = c
        self.v = v

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __repr__(self) -> str:
        return (
            f"Candle({self.symbol} {self.interval} {_iso(self.t)} o={self.o} h={self.h} "
            f"l={self.l} c={self.c} v={self.v})"
        )


class Tick:
    __slots__ = ("symbol", "bid", "ask", "t")

    def __init__(self, symbol: str, bid: float, ask: float, t: int) -> None:
        self.symbol = symbol
        self.bid = bid
        self.ask = ask
        self.t = t

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __repr__(self) -> str:
        return f"Tick({self.symbol} {_iso(self.t)} bid={self.bid} ask={self.ask})"


class OrderUpdate:
    """An `orders` stream event: type (accepted, partial_fill, fill, cancelled, rejected,
    expired), the order as a dict, and the fill (a dict) for fill events."""

    __slots__ = ("type", "order", "fill")

    def __init__(self, type: str, order: Dict[str, Any], fill: Optional[Dict[str, Any]]) -> None:
        self.type = type
        self.order = order
        self.fill = fill

    def __repr__(self) -> str:
        return f"OrderUpdate({self.type} {self.order.get('id')})"


class Fill:
    """One fill of one of our orders, with the order it belongs to."""

    __slots__ = ("id", "order_id", "symbol", "action", "price", "quantity", "fee", "t", "order")

    def __init__(self, fill: Dict[str, Any], order: Dict[str, Any]) -> None:
        self.id = fill["id"]
        self.order_id = order["id"]
        self.symbol = order["symbol"]
        self.action = order["action"]
        self.price = fill["price"]
        self.quantity = fill["quantity"]
        self.fee = fill.get("fee", 0.0)
        self.t = fill.get("t")
        self.order = order

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __repr__(self) -> str:
        return f"Fill({self.action} {self.quantity} {self.symbol} @ {self.price})"


class Strategy:
    """Subclass and override what you need; every handler is optional."""

    # While the circuit breaker is open, an order that would open or increase a position is
    # skipped: ctx.buy/sell raise CircuitOpenError, and unless the handler catches it, the
    # runtime prints "order skipped: ..." and ends that handler call, and the run goes on.
    # True: an uncaught CircuitOpenError ends the run (exit 1) like any other error.
    raise_on_circuit_open = False
    # The first part of the client_order_id the runtime gives each order (see the README);
    # None: the strategy config's name.
    strategy_id: Optional[str] = None

    def on_start(self, ctx: "Context") -> None:
        pass

    def on_candle(self, candle: Candle, ctx: "Context") -> None:
        pass

    def on_tick(self, tick: Tick, ctx: "Context") -> None:
        pass

    def on_fill(self, fill: Fill, ctx: "Context") -> None:
        pass

    def on_order(self, update: OrderUpdate, ctx: "Context") -> None:
        pass

    def on_stop(self, ctx: "Context") -> None:
        pass


def _overrides(strategy: Strategy, name: str) -> bool:
    return getattr(type(strategy), name, None) is not getattr(Strategy, name)


def _tick_decimals(tick: float) -> int:
    exponent = decimal.Decimal(repr(tick)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def round_to_tick(price: float, tick: float) -> float:
    """The nearest multiple of tick (halves up), written with the tick's decimals."""
    return round(math.floor(price / tick + 0.5) * tick, _tick_decimals(tick))


class Context:
    """What handlers get: config, positions, orders and the order helpers."""

    def __init__(self, runtime: "_Runtime") -> None:
        self._runtime = runtime
        self.config: StrategyConfig = runtime.config
        self.params: Dict[str, Any] = runtime.config.params
        self.symbols: List[str] = runtime.config.symbols
        self.interval: str = runtime.config.interval
        self.mode: str = runtime.env.mode
        self.client: Client = runtime.client

    def now(self) -> float:
        """Epoch ms: the close of the current bar in a backtest, the market clock live."""
        return self._runtime.now()

    def position(self, symbol: str) -> float:
        """Signed quantity held (negative is short)."""
        return self._runtime.positions.get(symbol, 0.0)

    def account(self) -> Dict[str, Any]:
        return self._runtime.account()

    def open_orders(self, symbol: Optional[str] = None) -> List[Dict[str, Any]]:
        orders = self._runtime.open_orders.values()
        return [o for o in orders if symbol is None or o["symbol"] == symbol]

    def buy(self, symbol: str, quantity: float, **options: Any) -> Dict[str, Any]:
        return self.place_order(_order_request(symbol, "buy", quantity, options))

    def sell(self, symbol: str, quantity: float, **options: Any) -> Dict[str, Any]:
        return self.place_order(_order_request(symbol, "sell", quantity, options))

    def place_order(self, request: Mapping[str, Any]) -> Dict[str, Any]:
        return self._runtime.place_order(dict(request))

    def cancel(self, order_id: str) -> Dict[str, Any]:
        return self._runtime.cancel(order_id)

    def cancel_all(self, symbol: Optional[str] = None) -> Dict[str, Any]:
        return self._runtime.cancel_all(symbol)

    def close_position(self, symbol: str) -> Optional[Dict[str, Any]]:
        held = self.position(symbol)
        if held > 0:
            return self.sell(symbol, held)
        if held < 0:
            return self.buy(symbol, -held)
        return None

    def round_to_tick(self, symbol: str, price: float) -> float:
        return round_to_tick(price, self._runtime.tick_size(symbol))

    def log(self, *parts: Any) -> None:
        _say(" ".join(str(part) for part in parts))


def _order_request(
    symbol: str, action: str, quantity: float, options: Mapping[str, Any]
) -> Dict[str, Any]:
    known = {"stop_loss", "take_profit", "limit_price", "time_in_force", "client_order_id"}
    unknown = set(options) - known
    if unknown:
        raise TypeError(
            f"unknown order option(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(known))}"
        )
    request: Dict[str, Any] = {
        "symbol": symbol,
        "action": action,
        "quantity": quantity,
        "order_type": "limit" if options.get("limit_price") is not None else "market",
        "time_in_force": options.get("time_in_force") or "gtc",
    }
    for field in ("limit_price", "stop_loss", "take_profit", "client_order_id"):
        if options.get(field) is not None:
            request[field] = options[field]
    return request


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()  # the runner reads stdout line by line, as it happens


def _warn(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class _HandlerFailed(Exception):
    def __init__(self, handler: str, where: str, error: BaseException) -> None:
        super().__init__(f"{handler} raised {type(error).__name__}: {error} ({where})")
        self.handler = handler
        self.where = where
        self.error = error


_LIVE_STATUSES = ("open", "partially_filled")


class _Runtime:
    """Owns the client, the stream and the state mirrored for the strategy."""

    ack_window = 2048
    ack_every = 64

    def __init__(self, strategy: Strategy, env: Environment, config: StrategyConfig) -> None:
        self.strategy = strategy
        self.env = env
        self.config = config
        self.interval_ms = INTERVAL_MS[config.interval]
        risk = config.risk
        self.breaker = CircuitBreaker(
            risk.circuit_breaker_failures,
            risk.circuit_breaker_latency_ms,
            risk.circuit_breaker_cooldown_ms,
            on_change=lambda state, why: self._say_now(_describe_breaker(state, why)),
        )
        self.client = Client(
            env.base_url,
            env.key_id,
            env.secret,
            breaker=self.breaker,
            on_retry=self._say_now,
        )
        self.stop_reason: Optional[str] = None
        self.stream = StreamClient(
            env.stream_url,
            self.client.access_token,
            invalidate_token=self.client.invalidate_token,
            should_stop=lambda: self.stop_reason is not None,
            log=_warn,
        )
        self.stream.on_reconnect = self._after_reconnect
        self.ctx = Context(self)
        self.positions: Dict[str, float] = {}
        self.open_orders: Dict[str, Dict[str, Any]] = {}
        self._finished_orders: set = set()
        self._applied_fills: set = set()
        self._account: Optional[Dict[str, Any]] = None
        self._account_stale = True
        self._ticks: Dict[str, float] = {}
        self._recent_orders: Deque[float] = collections.deque()
        self.clock: Optional[float] = None
        self.orders_placed = 0
        self.strategy_id = _strategy_id(getattr(strategy, "strategy_id", None) or config.name)
        # Orders asked for per bar (open time): the n of each order's client_order_id.
        self._intents: Dict[int, int] = {}
        self._candle_t: Optional[int] = None  # the bar on_candle is handling, if it runs
        # lockstep replay state (backtests)
        self.lockstep = env.mode == "backtest"
        # Bars received ahead of the strategy: rows [seq, symbol, t, o, h, l, c, v] of `bars`
        # messages (the session sends them batched on request), in seq order.
        self.bars: Deque[List[Any]] = collections.deque()
        self.bar_interval = config.interval
        self.last_bar_seq = 0
        self._bar_orders: List[Dict[str, Any]] = []
        # Orders answered (placed, cancelled) whose answered state no event has shown yet:
        # status and time. No ack goes out while any is missing (see _ack_allowed).
        self._awaiting: Dict[str, Tuple[str, Optional[float]]] = {}
        self._bar_unsure = False
        self.acks_wanted = True
        self.current_bar = 0  # the bar whose handlers run (or last ran)
        self.completed = 0  # handlers for this bar returned
        self.acked = 0
        self.advanced = 0
        self.advanced_quiet = False
        self.quiet = False
        self.acted = False
        self.finished = False
        self.bars_total: Optional[int] = None

    # -- state ----------------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock if self.clock is not None else time.time() * 1000

    def account(self) -> Dict[str, Any]:
        if self._account is None or self._account_stale:
            self._account = self.client.account()
            self._account_stale = False
        return self._account

    def tick_size(self, symbol: str) -> float:
        if symbol not in self._ticks:
            instrument = self.client.instrument(symbol)
            self._ticks[symbol] = float(instrument["tick_size"])
            quote = instrument.get("quote") or {}
            if self.clock is None and not self.lockstep and isinstance(quote.get("t"), int):
                self.clock = quote["t"]  # the market's clock before any candle or heartbeat
        return self._ticks[symbol]

    def _say_now(self, line: str) -> None:
        _say(f"{_stamp(self.now())} {line}")

    def reconcile(self) -> None:
        """Open orders and positions from REST, before any candle reaches the strategy."""
        account = self.client.account()
        self._account, self._account_stale = account, False
        self.positions = {p["symbol"]: float(p["quantity"]) for p in account.get("positions", [])}
        self.open_orders = {o["id"]: o for o in self.client.orders("open")}
        held = ", ".join(f"{s} {q:g}" for s, q in self.positions.items() if q) or "none"
        _say(f"reconciled: {len(self.open_orders)} open order(s), positions: {held}")

    def _track_order(self, order: Dict[str, Any]) -> None:
        order_id = order["id"]
        if order.get("status") in _LIVE_STATUSES:
            if order_id in self._finished_orders:
                return  # an older event arriving after the order finished
            known = self.open_orders.get(order_id)
            if known is None or known.get("updated_at", 0) <= order.get("updated_at", 0):
                self.open_orders[order_id] = order
        else:
            self._finished_orders.add(order_id)
            self.open_orders.pop(order_id, None)

    def _apply_fill(self, order: Dict[str, Any], fill: Dict[str, Any]) -> bool:
        if fill["id"] in self._applied_fills:
            return False
        self._applied_fills.add(fill["id"])
        signed = fill["quantity"] if order["action"] == "buy" else -fill["quantity"]
        symbol = order["symbol"]
        self.positions[symbol] = round(self.positions.get(symbol, 0.0) + signed, 9)
        self._account_stale = True
        return True

    # -- orders ---------------------------------------------------------------------------------

    def _guard(self, request: Dict[str, Any]) -> None:
        risk = self.config.risk
        now = self.now()
        recent = self._recent_orders
        while recent and recent[0] <= now - 60_000:
            recent.popleft()
        if len(recent) >= risk.max_orders_per_minute:
            raise OrderRefusedError(
                f"refused: {risk.max_orders_per_minute} orders were placed in the last minute "
                "(risk.max_orders_per_minute in the strategy config); this guards against a "
                "runaway loop"
            )
        if risk.max_position is not None:
            symbol = request.get("symbol", "")
            quantity = request.get("quantity", 0)
            signed = quantity if request.get("action") == "buy" else -quantity
            after = self.positions.get(symbol, 0.0) + signed
            if abs(after) > risk.max_position + 1e-9:
                raise OrderRefusedError(
                    f"refused: {request.get('action')} {quantity:g} {symbol} would make the "
                    f"position {after:g}, past risk.max_position {risk.max_position:g}"
                )

    def place_order(self, request: Dict[str, Any]) -> Dict[str, Any]:
        if not request.get("client_order_id"):
            request["client_order_id"] = self._next_client_order_id()
        try:
            self._guard(request)
        except OrderRefusedError as error:
            error.client_order_id = request["client_order_id"]
            raise
        self._before_trading()
        self.acted = True
        try:
            order = self.client.place_order(request, guarded=not self._reduces(request))
        except CircuitOpenError as error:
            skipped = CircuitOpenError(
                f"{_describe_request(request)} ({request['client_order_id']}): {error}",
                error.retry_in,
            )
            skipped.client_order_id = request["client_order_id"]
            raise skipped from None
        except BaseException as error:
            # A failed request may still have reached the server (a lost answer, a 5xx): the
            # next bar waits for the server's word rather than assume nothing happened.
            self._bar_unsure = True
            if isinstance(error, TimberError):
                error.client_order_id = request["client_order_id"]
            if isinstance(error, ApiError):
                _warn(f"{_iso(self.now())} order refused: {_describe_request(request)}: {error}")
            elif isinstance(error, OrderOutcomeUnknownError):
                _warn(f"{_iso(self.now())} order outcome unknown: {error}")
            raise
        self._recent_orders.append(self.now())
        self._bar_orders.append(order)
        self.orders_placed += 1
        self._expect(order["id"], order.get("status"), order.get("updated_at"))
        self._track_order(order)
        for fill in order.get("fills", []):
            self._apply_fill(order, fill)
        return order

    def _next_client_order_id(self) -> str:
        """<strategy id>-<bar open time, ms in base 36>-<n>: the n-th order asked for in that
        bar. A restarted script that asks for the same order again reuses the id, and the API
        answers 409 instead of placing it twice. The bar is the candle on_candle handles, else
        the one the market clock is in."""
        bar = self._candle_t
        if bar is None:
            bar = int(self.now() // self.interval_ms * self.interval_ms)
        intents = self._intents
        n = intents.get(bar, 0) + 1
        intents[bar] = n
        if len(intents) > 64:  # only recent bars can still get orders
            del intents[min(intents)]
        return f"{self.strategy_id}-{_base36(bar)}-{n}"

    def _reduces(self, request: Mapping[str, Any]) -> bool:
        """Whether the order only brings a position closer to flat (not past it): such orders
        pass an open circuit breaker, so a strategy in trouble can still step back."""
        held = self.positions.get(request.get("symbol", ""), 0.0)
        quantity = request.get("quantity", 0)
        if not held or not _is_number(quantity) or quantity <= 0:
            return False
        selling = request.get("action") == "sell"
        return (held > 0) == selling and quantity <= abs(held) + 1e-9

    def cancel(self, order_id: str) -> Dict[str, Any]:
        self._before_trading()
        self.acted = True
        self._bar_unsure = True
        order = self.client.cancel_order(order_id)
        self._expect(order["id"], order.get("status"), order.get("updated_at"))
        self._track_order(order)
        return order

    def cancel_all(self, symbol: Optional[str]) -> Dict[str, Any]:
        self._before_trading()
        self.acted = True
        self._bar_unsure = True
        answer = self.client.cancel_orders({"symbol": symbol} if symbol else {"all": True})
        for result in answer.get("results", []):
            if result.get("status") == 200:
                self._expect(result["id"], "cancelled", None)
                self._finished_orders.add(result["id"])
                self.open_orders.pop(result["id"], None)
        return answer

    def _expect(self, order_id: str, status: Any, at: Optional[float]) -> None:
        if self.lockstep:
            self._awaiting[order_id] = (status, at)

    def _before_trading(self) -> None:
        """Lockstep rule 1: orders at bar k go out only once the server's clock reached bar k.
        A bar run before the clock reached it (rule 2) has its requests carry the
        acknowledgement of bar k-1 (X-Timber-Ack), which moves the clock to k first: one round
        trip per order instead of two. Real-time sessions take no acknowledgements: wait."""
        if not self.lockstep or self.current_bar == 0 or self.client.lockstep_ack is not None:
            return
        while self.advanced < self.current_bar:
            if self.acked < self.current_bar - 1:
                self._ack(self.current_bar - 1)
            message = self.stream.receive(1.0)
            if message is not None:
                self._handle(message)
            if self.finished:
                return

    # -- messages -------------------------------------------------------------------------------

    def _handle(self, message: Dict[str, Any]) -> None:
        channel = message.get("channel")
        kind = message.get("type")
        if channel == "candles":
            if kind == "bars":
                data = message["data"]
                self.bar_interval = data["interval"]
                last = self.last_bar_seq
                for row in data["bars"]:
                    if row[0] > last:  # a reconnect resends unacknowledged bars
                        self.bars.append(row)
                        last = row[0]
                self.last_bar_seq = last
            elif kind == "close":
                if not self.lockstep:
                    self._deliver_candle(message)
                elif message["seq"] > self.last_bar_seq:
                    data = message["data"]
                    self.last_bar_seq = message["seq"]
                    self.bar_interval = data.get("interval", self.bar_interval)
                    self.bars.append(
                        [message["seq"], data["symbol"], data["t"], data["o"], data["h"],
                         data["l"], data["c"], data.get("v", 0)]
                    )
        elif channel == "session":
            data = message.get("data") or {}
            self.bars_total = data.get("bars_total", self.bars_total)
            if data.get("lockstep") is False:
                self.acks_wanted = False  # a real-time-multiple session releases bars itself
            if kind == "advanced":
                self.advanced = message["seq"]
                self.advanced_quiet = bool(data.get("quiet"))
            elif kind == "finished":
                self.finished = True
        elif channel == "orders":
            self._on_order_event(message)
        elif channel == "account":
            self._account = message.get("data")
            self._account_stale = False
        elif channel == "ticks":
            data = message["data"]
            self.clock = data["t"]
            self._call("on_tick", Tick(data["symbol"], data["bid"], data["ask"], data["t"]))
        elif channel == "system":
            if kind == "heartbeat" and not self.lockstep and isinstance(message.get("t"), int):
                self.clock = max(self.clock or 0, message["t"])
        elif kind == "error":
            error = message.get("error") or {}
            text = str(error.get("message"))
            if self.lockstep and "takes no acknowledgements" in text:
                self.acks_wanted = False  # a real-time-multiple session releases bars itself
                return
            _warn(f"stream error {error.get('code')}: {text}")

    def _on_order_event(self, message: Dict[str, Any]) -> None:
        data = message["data"]
        order = data["order"]
        fill = data.get("fill")
        kind = message["type"]
        self._track_order(order)
        wanted = self._awaiting.get(order["id"])
        if wanted is not None:
            # Events come in order; the answer showed the state after the request's last one.
            status, at = wanted
            updated = order.get("updated_at", 0)
            if (order.get("status") == status and (at is None or updated >= at)) or (
                at is not None and updated > at
            ):
                del self._awaiting[order["id"]]
        if fill is not None:
            self._apply_fill(order, fill)
        _say(_describe_event(kind, order, fill))
        if self._wants_order:
            self._call("on_order", OrderUpdate(kind, order, fill))
        if fill is not None and self._wants_fill:
            self._call("on_fill", Fill(fill, order))

    def _deliver_candle(self, message: Dict[str, Any]) -> None:
        data = message["data"]
        candle = Candle(
            data["symbol"],
            data.get("interval", self.config.interval),
            data["t"],
            data["o"],
            data["h"],
            data["l"],
            data["c"],
            data.get("v", 0),
        )
        self.clock = candle.t + self.interval_ms
        self._candle_t = candle.t
        try:
            self._call("on_candle", candle)
        finally:
            self._candle_t = None

    def _call(self, handler: str, *args: Any) -> None:
        try:
            getattr(self.strategy, handler)(*args, self.ctx)
        except _HandlerFailed:
            raise
        except CircuitOpenError as error:
            self._paused(handler, error)
        except Exception as error:  # noqa: BLE001 (any strategy error ends the run, reported)
            raise self._failed(handler, error) from error

    def _paused(self, handler: str, error: CircuitOpenError) -> None:
        """Pausing is the breaker's promise: the order is skipped, the run goes on."""
        if self.strategy.raise_on_circuit_open:
            raise self._failed(handler, error) from error
        self._say_now(f"order skipped: {error}")

    def _failed(self, handler: str, error: BaseException) -> _HandlerFailed:
        where = f"bar {self.current_bar}, " if self.lockstep and self.current_bar else ""
        return _HandlerFailed(handler, f"{where}at {_iso(self.now())}", error)

    # -- loops ----------------------------------------------------------------------------------

    def run_live(self) -> None:
        while self.stop_reason is None:
            message = self.stream.receive(0.25)
            if message is not None:
                self._handle(message)

    def run_lockstep(self) -> None:
        bars = self.bars
        stream = self.stream
        client = self.client
        ctx = self.ctx
        on_candle = self.strategy.on_candle
        self._ack(0)  # announces the window: the server may send bars ahead
        while self.stop_reason is None:
            # Per bar, the common case (a quiet account, nothing done in the last bar) stays
            # lean: a backtest runs this loop for every bar, and its cost is the SDK's share.
            interval = self.bar_interval
            interval_ms = INTERVAL_MS.get(interval, self.interval_ms)
            while bars:
                row = bars[0]
                seq = row[0]
                acted = self.acted
                if self.advanced >= seq:
                    quiet = self.advanced_quiet if self.advanced == seq else False
                elif self.quiet and (not acted or self._settled_quietly()):
                    quiet = True  # lockstep rule 2: nothing could happen since the last bar
                else:
                    break
                bars.popleft()
                if acted:
                    self.quiet = quiet and self._settled_quietly()
                    self.acted = False
                    self._bar_orders.clear()
                    self._bar_unsure = False
                else:
                    self.quiet = quiet
                self.current_bar = seq
                # The clock stands at an earlier bar: requests made now move it here first.
                client.lockstep_ack = seq - 1 if self.acks_wanted and self.advanced < seq else None
                t = row[2]
                self.clock = t + interval_ms
                candle = Candle(row[1], interval, t, row[3], row[4], row[5], row[6], row[7])
                self._candle_t = t
                try:
                    on_candle(candle, ctx)
                except _HandlerFailed:
                    raise
                except CircuitOpenError as error:
                    self._paused("on_candle", error)
                except Exception as error:  # noqa: BLE001 (any strategy error ends the run)
                    raise self._failed("on_candle", error) from error
                self._candle_t = None
                self.completed = seq
                if seq - self.acked >= self.ack_every and not self._awaiting:
                    self._ack(seq)
                if self.stop_reason is not None:
                    return
            if self.finished and not bars:
                return
            if self.completed > self.acked and not self._awaiting and not stream.pending():
                # Lockstep rule 3, before waiting for more; but not before the events of the
                # orders answered so far: the answer can be read before them, and onOrder/onFill
                # must see them at the bar they belong to, before the clock moves on.
                self._ack(self.completed)
            for message in stream.receive_batch(0.25):
                self._handle(message)

    def _settled_quietly(self) -> bool:
        """Whether this bar's orders left the account as quiet as it was: each a market order
        without exits, filled at once, its fill event already received; nothing open, nothing
        cancelled, no request failed. Then no event can come before the next bar, exactly as
        when the account was quiet and nothing was done, so the next bar needs no round trip
        (same result as strict lockstep, one round trip less per order)."""
        if self._bar_unsure or self.open_orders:
            return False
        for order in self._bar_orders:
            if (
                order.get("status") != "filled"
                or order.get("order_type") != "market"
                or order.get("stop_loss") is not None
                or order.get("take_profit") is not None
                or order["id"] in self._awaiting
            ):
                return False
        return True

    def _ack(self, seq: int) -> None:
        self.acked = seq
        if self.acks_wanted:
            self.stream.send(
                {"op": "ack", "seq": seq, "window": self.ack_window, "batch": True}
            )

    def _after_reconnect(self) -> None:
        if self.lockstep:
            self._ack(self.acked)  # the server may have missed it with the old connection

    # -- the whole run --------------------------------------------------------------------------

    def start(self) -> None:
        self._wants_order = _overrides(self.strategy, "on_order")
        self._wants_fill = _overrides(self.strategy, "on_fill")
        self.stream.connect()
        # Orders and account first, then REST: no event can fall between the two.
        self.stream.subscribe("orders")
        self.stream.subscribe("account")
        self.stream.wait_subscribed(2)
        self.reconcile()
        for symbol in self.config.symbols:
            self.tick_size(symbol)
        self._call("on_start")
        # Events that came while reconciling may be older than the REST answers; _track_order
        # and the fill ids keep state from going back.
        while self.stream.pending():
            message = self.stream.receive(0)
            if message is not None:
                self._handle(message)
        self.stream.subscribe("candles", self.config.symbols, self.config.interval)
        if _overrides(self.strategy, "on_tick") and not self.lockstep:
            self.stream.subscribe("ticks", self.config.symbols)
        _say(
            f"{self.config.name}: {self.env.mode} on {self.env.env}, "
            f"{', '.join(self.config.symbols)} {self.config.interval}"
        )

    def stop(self) -> None:
        self._call("on_stop")


def _strategy_id(name: str) -> str:
    """The strategy's part of a client_order_id: letters, digits, '.', '_' and '-' (anything
    else becomes '_'), at most 40 characters, so the whole id fits the API's 64."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name.strip())[:40]
    return cleaned or "strategy"


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        value, digit = divmod(value, 36)
        text = digits[digit] + text
        if value == 0:
            return text


def _describe_breaker(state: str, why: str) -> str:
    """A change of the circuit breaker in the words the Node SDK prints it with."""
    if state == CircuitBreaker.OPEN:
        return f"trading paused: {why}"
    if state == CircuitBreaker.CLOSED:
        return f"trading resumed: {why}"
    return f"trading on trial: {why}"


def _stamp(ms: float) -> str:
    """An event's time as both SDKs print it: 2024-03-06 10:03:00Z."""
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def _number(value: Any) -> str:
    """A quantity or price as JavaScript prints it (the Node SDK): 10000 not 10000.0, 0.00005
    not 5e-05, 1e-7 not 1e-07."""
    if not isinstance(value, float):
        return str(value)
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" not in text:
        return text
    if 1e-6 <= abs(value) < 1e21:
        return format(decimal.Decimal(text), "f")
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", text)


def _fee(value: Any) -> str:
    """Two decimals as JavaScript's toFixed(2) gives them: a tie of the exact value rounds up."""
    exact = decimal.Decimal(value)
    return str(exact.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP))


def _describe_event(kind: str, order: Dict[str, Any], fill: Optional[Dict[str, Any]]) -> str:
    """An order event in the words the Node SDK prints it with (one format for the runner)."""
    if fill is not None:
        verb = "bought" if order["action"] == "buy" else "sold"
        label = "partial fill" if kind == "partial_fill" else "fill"
        trigger = order.get("trigger")
        exit_kind = f" ({trigger.replace('_', ' ')})" if trigger else ""
        return (
            f"{_stamp(fill['t'])} {label} {order['id']}{exit_kind}: {verb} "
            f"{_number(fill['quantity'])} {order['symbol']} at {_number(fill['price'])} "
            f"(fee {_fee(fill.get('fee', 0))} USD)"
        )
    limit = order.get("limit_price")
    price = order.get("order_type") if limit is None else f"limit {_number(limit)}"
    if order.get("stop_loss") is not None:
        price += f" stop loss {_number(order['stop_loss'])}"
    if order.get("take_profit") is not None:
        price += f" take profit {_number(order['take_profit'])}"
    if order.get("reject_reason"):
        price += f" ({order['reject_reason']})"
    return (
        f"{_stamp(order['updated_at'])} order {order['id']} {kind}: {order['action']} "
        f"{_number(order['quantity'])} {order['symbol']} {price}"
    )


def run(strategy: Strategy, *, environ: Optional[Mapping[str, str]] = None) -> None:
    """Runs a strategy until SIGINT/SIGTERM, or the end of a backtest; exits the process with
    0 on a normal stop, 1 when a handler raised or the server failed, 2 on a config error."""
    sys.exit(run_strategy(strategy, environ=environ))


def run_strategy(strategy: Strategy, *, environ: Optional[Mapping[str, str]] = None) -> int:
    """Like run() but returns the exit code instead of exiting."""
    try:
        env = Environment.from_env(environ)
        config = load_strategy_config(env.config_path)
    except ConfigError as error:
        _warn(f"error: {error}")
        return 2
    runtime = _Runtime(strategy, env, config)

    def request_stop(signum: int, _frame: Any) -> None:
        runtime.stop_reason = signal.Signals(signum).name

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        runtime.start()
        if runtime.lockstep:
            runtime.run_lockstep()
        else:
            runtime.run_live()
        if runtime.stop_reason is not None:
            _say(f"stopping ({runtime.stop_reason})")
        elif runtime.finished:
            _say(f"backtest finished after {runtime.completed} bars")
        runtime.stop()
        return 0
    except _HandlerFailed as failure:
        _warn(f"error: {failure}")
        _warn("".join(traceback.format_exception(type(failure.error), failure.error, None)))
        return 1
    except (TimberError, OSError) as error:
        if runtime.stop_reason is not None and isinstance(error, WebSocketClosed):
            runtime.stop()
            return 0
        _warn(f"error: {error}")
        return 1
    finally:
        runtime.stream.close()
        runtime.client.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
