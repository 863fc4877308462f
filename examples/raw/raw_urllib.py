"""No SDK: the Timber Bondmere API from plain urllib and a hand-rolled WebSocket, reading the
same TIMBER_* environment the runner gives every script. Gets a token, reads candles, places one
small market order and (unless --no-stream) waits for its `accepted` event on the stream.

    python3 examples/raw/raw_urllib.py [--no-stream]
"""

import base64
import json
import os
import socket
import sys
import urllib.parse
import urllib.request
import uuid

BASE_URL = os.environ["TIMBER_BASE_URL"].rstrip("/")
STREAM_URL = os.environ.get("TIMBER_STREAM_URL") or BASE_URL.replace("http", "ws", 1) + "/stream"


def call(method, path, token=None, body=None, headers=None, form=None):
    data = None
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(BASE_URL + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        problem = json.loads(error.read())["error"]
        sys.exit(f"{method} {path} failed: {error.code} {problem['code']}: {problem['message']}")


def open_stream(token):
    """A WebSocket handshake by hand; returns the socket (server frames are unmasked)."""
    url = urllib.parse.urlsplit(STREAM_URL)
    sock = socket.create_connection((url.hostname, url.port or 80), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(4096)
    head, _, rest = answer.partition(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n")[0]:
        sys.exit(f"the stream refused the handshake: {head.splitlines()[0].decode()}")
    return sock, rest


def send_text(sock, text):
    payload = text.encode()
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)  # short messages only


def frames(sock, buffer):
    """Yields text payloads; enough for a demo (no fragmentation, no control frames sent)."""
    while True:
        while len(buffer) >= 2:
            length, start = buffer[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                break
            opcode, payload = buffer[0] & 0x0F, buffer[start : start + length]
            buffer = buffer[start + length :]
            if opcode in (0x1, 0x2):  # JSON text (tolerating servers that send it as binary)
                yield payload.decode()
            elif opcode == 0x8:
                return
        chunk = sock.recv(65536)
        if not chunk:
            return
        buffer += chunk


def main():
    token = call(
        "POST",
        "/oauth/token",
        form={
            "grant_type": "client_credentials",
            "client_id": os.environ["TIMBER_API_KEY_ID"],
            "client_secret": os.environ["TIMBER_API_SECRET"],
        },
    )["access_token"]
    candles = call("GET", "/market/candles?symbol=EURUSD&interval=1m&limit=5", token)["candles"]
    print(f"last close {candles[-1]['c']} over {len(candles)} candles", flush=True)

    stream = None
    if "--no-stream" not in sys.argv:
        sock, rest = open_stream(token)
        stream = frames(sock, rest)
        send_text(sock, json.dumps({"op": "subscribe", "channel": "orders"}))
        for text in stream:
            if json.loads(text).get("type") == "subscribed":
                break

    order = call(
        "POST",
        "/orders",
        token,
        body={
            "symbol": "EURUSD",
            "action": "buy",
            "quantity": 1000,
            "order_type": "market",
            "time_in_force": "gtc",
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    print(f"order {order['id']} {order['status']}", flush=True)

    if stream is not None:
        for text in stream:
            message = json.loads(text)
            if message.get("channel") == "orders" and message["data"]["order"]["id"] == order["id"]:
                print(f"stream: order {order['id']} {message['type']}", flush=True)
                break
    account = call("GET", "/account", token)
    print(f"equity {account['equity']:.2f} {account['currency']}", flush=True)


if __name__ == "__main__":
    main()
