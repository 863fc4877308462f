"""The REST client against a scripted local HTTP server: retries, idempotency keys, Retry-After,
token refresh on 401, the breaker refusing only new orders, orders settled after their retries
run out, and one keep-alive connection."""

import http.server
import json
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import timber  # noqa: E402


HANG = None  # a scripted status that never answers (until the test ends)


class ScriptedServer:
    """Answers each request with the next scripted (status, body, headers) for "METHOD path",
    else for its path; the last entry repeats."""

    def __init__(self):
        self.script = {}
        self.requests = []
        self.connections = 0
        self.tokens_issued = 0
        self.released = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                server.connections += 1

            def log_message(self, *args):
                pass

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                server.requests.append((self.command, self.path, dict(self.headers), body))
                if path == "/oauth/token":
                    server.tokens_issued += 1
                    status, payload, headers = 200, {
                        "access_token": f"tok{server.tokens_issued}",
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "refresh_token": "ref",
                        "scope": "trade",
                    }, {}
                else:
                    queue = server.script.get(f"{self.command} {path}") or server.script.get(
                        path
                    ) or [(200, {"ok": True}, {})]
                    status, payload, headers = queue.pop(0) if len(queue) > 1 else queue[0]
                if status is HANG:
                    server.released.wait()
                    self.close_connection = True
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Request-Id", "req_1")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = answer

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def calls(self, path):
        return [r for r in self.requests if r[1].split("?")[0] == path]

    def stop(self):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def error(status, code, message="went wrong"):
    return {"error": {"code": code, "message": message, "details": [], "request_id": "req_9"}}


class ClientTests(unittest.TestCase):
    def setUp(self):
        self.server = ScriptedServer()
        self.addCleanup(self.server.stop)
        self.sleeps = []
        self.breaker = timber.CircuitBreaker(failures=3, latency_ms=10_000, cooldown_ms=60_000)
        self.client = timber.Client(
            self.server.url, "key_1", "secret", breaker=self.breaker, sleep=self.sleeps.append,
            max_retries=4,
        )
        self.addCleanup(self.client.close)

    def test_one_keep_alive_connection_carries_every_request(self):
        for _ in range(5):
            self.client.account()
        self.assertEqual(self.server.connections, 1)
        self.assertEqual(self.server.tokens_issued, 1)

    def test_a_request_with_a_body_goes_out_in_one_write(self):
        # Two writes would be two packets (TCP_NODELAY): the server would wake twice per order.
        self.client.account()
        writes = []

        class Recording:
            def __init__(self, sock):
                self.sock = sock

            def sendall(self, data):
                writes.append(bytes(data))
                self.sock.sendall(data)

            def __getattr__(self, name):
                return getattr(self.sock, name)

        connection = self.client._conn
        connection.sock = Recording(connection.sock)
        self.client.place_order({"symbol": "EURUSD", "action": "buy", "quantity": 1000,
                                 "order_type": "market", "time_in_force": "gtc"})
        self.assertEqual(len(writes), 1)
        head, _, body = writes[0].partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"POST /orders HTTP/1.1"))
        self.assertEqual(json.loads(body)["quantity"], 1000)
        self.assertEqual(self.server.requests[-1][3], body)

    def test_5xx_on_a_read_is_retried_with_bounded_backoff(self):
        self.server.script["/account"] = [
            (503, error(503, "unavailable"), {}), (502, error(502, "internal"), {}),
            (200, {"account_id": "a"}, {}),
        ]
        self.assertEqual(self.client.account(), {"account_id": "a"})
        self.assertEqual(len(self.sleeps), 2)
        self.assertTrue(0 <= self.sleeps[0] <= 0.1 and 0 <= self.sleeps[1] <= 0.2)

    def test_an_order_keeps_its_idempotency_key_across_retries(self):
        self.server.script["/orders"] = [
            (503, error(503, "unavailable"), {}), (500, error(500, "internal"), {}),
            (201, {"id": "ord_1"}, {}),
        ]
        order = self.client.place_order({"symbol": "EURUSD"})
        self.assertEqual(order, {"id": "ord_1"})
        keys = [r[2]["Idempotency-Key"] for r in self.server.calls("/orders")]
        self.assertEqual(len(keys), 3)
        self.assertEqual(len(set(keys)), 1)
        self.assertRegex(keys[0], r"^[0-9a-f-]{36}$")
        other = self.client.place_order({"symbol": "EURUSD"})
        self.assertEqual(other, {"id": "ord_1"})
        self.assertNotEqual(self.server.calls("/orders")[-1][2]["Idempotency-Key"], keys[0])

    def test_a_post_without_key_is_not_retried_on_5xx(self):
        self.server.script["/batch"] = [(503, error(503, "unavailable"), {})]
        with self.assertRaises(timber.ApiError) as caught:
            self.client.request("POST", "/batch", body={"requests": []})
        self.assertEqual(caught.exception.status, 503)
        self.assertEqual(len(self.server.calls("/batch")), 1)

    def test_429_waits_for_retry_after(self):
        self.server.script["/account"] = [
            (429, error(429, "rate_limited"), {"Retry-After": "2"}), (200, {"account_id": "a"}, {}),
        ]
        self.client.account()
        self.assertEqual(self.sleeps, [2.0])

    def test_429_after_the_last_retry_raises_rate_limited(self):
        self.server.script["/account"] = [(429, error(429, "rate_limited"), {"Retry-After": "1"})]
        with self.assertRaises(timber.RateLimitedError) as caught:
            self.client.account()
        self.assertEqual(caught.exception.retry_after, 1.0)
        self.assertEqual(len(self.sleeps), 4)

    def test_a_401_gets_a_fresh_token_once(self):
        self.server.script["/account"] = [
            (401, error(401, "unauthorized", "the token has expired"), {}),
            (200, {"account_id": "a"}, {}),
        ]
        self.client.account()
        auths = [r[2]["Authorization"] for r in self.server.calls("/account")]
        self.assertEqual(len(auths), 2)
        self.assertNotEqual(auths[0], auths[1])

    def test_api_errors_carry_the_error_shape(self):
        body = {"error": {"code": "unprocessable", "message": "market is closed",
                          "details": [{"path": "symbol", "message": "closed"}],
                          "request_id": "req_42"}}
        self.server.script["/orders"] = [(422, body, {})]
        with self.assertRaises(timber.ApiError) as caught:
            self.client.place_order({"symbol": "EURUSD"})
        raised = caught.exception
        self.assertEqual((raised.status, raised.code, raised.request_id), (422, "unprocessable",
                                                                           "req_42"))
        self.assertEqual(raised.details[0]["path"], "symbol")
        self.assertIn("market is closed", str(raised))

    def test_the_breaker_refuses_new_orders_without_a_request_but_not_cancels_or_reads(self):
        self.server.script["/account"] = [(503, error(503, "unavailable"), {})] * 3 + [
            (200, {"account_id": "a"}, {})
        ]
        self.client.account()  # the third failure opens the breaker; the read still goes on
        self.assertEqual(self.breaker.state, "open")
        with self.assertRaises(timber.CircuitOpenError) as caught:
            self.client.place_order({"symbol": "EURUSD"})
        self.assertEqual(self.server.calls("/orders"), [])
        self.assertIn("trading is paused", str(caught.exception))
        self.server.script["DELETE /orders/ord_1"] = [(200, {"id": "ord_1"}, {})]
        self.assertEqual(self.client.cancel_order("ord_1"), {"id": "ord_1"})
        self.client.cancel_orders({"all": True})
        # An order that only reduces a position may pass (the runtime decides which those are).
        self.assertEqual(self.client.place_order({"symbol": "EURUSD"}, guarded=False),
                         {"ok": True})

    def test_an_order_whose_failures_open_the_breaker_is_still_settled_with_its_own_key(self):
        # The third 503 opens the breaker; the order was sent, so its retries go on.
        self.server.script["POST /orders"] = [(503, error(503, "unavailable"), {})] * 3 + [
            (201, {"id": "ord_1", "status": "filled"}, {"Idempotent-Replayed": "true"})
        ]
        order = self.client.place_order({"symbol": "EURUSD"})
        self.assertEqual(order["id"], "ord_1")
        keys = {r[2]["Idempotency-Key"] for r in self.server.calls("/orders")}
        self.assertEqual(len(self.server.calls("/orders")), 4)
        self.assertEqual(len(keys), 1)
        self.assertEqual(self.breaker.state, "open")
        with self.assertRaises(timber.CircuitOpenError):  # a new order: not sent
            self.client.place_order({"symbol": "EURUSD"})
        self.assertEqual(len(self.server.calls("/orders")), 4)

    def test_every_order_carries_a_client_order_id(self):
        self.client.place_order({"symbol": "EURUSD"})
        self.client.place_order({"symbol": "EURUSD", "client_order_id": "mine-1"})
        sent = [json.loads(r[3])["client_order_id"] for r in self.server.calls("/orders")]
        self.assertRegex(sent[0], r"^[0-9a-f-]{36}$")
        self.assertEqual(sent[1], "mine-1")

    def test_an_order_left_unsettled_by_its_retries_is_looked_up_by_client_order_id(self):
        self.server.script["POST /orders"] = [(503, error(503, "unavailable"), {})]
        self.server.script["GET /orders"] = [
            (200, {"orders": [{"id": "ord_1", "client_order_id": "other"}],
                   "next_cursor": "c1"}, {}),
            (200, {"orders": [{"id": "ord_2", "client_order_id": "s-1-1", "status": "filled"}],
                   "next_cursor": None}, {}),
            (200, {"orders": [{"id": "ord_2", "client_order_id": "s-1-1"},
                              {"id": "ord_3", "client_order_id": "s-1-2"}],
                   "next_cursor": None}, {}),
        ]
        lines = []
        self.client.on_retry = lines.append
        order = self.client.place_order({"symbol": "EURUSD", "client_order_id": "s-1-1"})
        self.assertEqual(order["id"], "ord_2")
        self.assertEqual(len(self.server.calls("/orders")), 5 + 2)  # 5 attempts, 2 pages
        self.assertIn("looking up order s-1-1", lines[-1])
        lookups = [r[1] for r in self.server.requests if r[0] == "GET"]
        self.assertIn("status=all", lookups[0])
        self.assertIn("symbol=EURUSD", lookups[0])
        self.assertIn("cursor=c1", lookups[1])
        # The next lookup starts at the page the last one ended on, not at the oldest order.
        # (guarded=False: the 503s opened the breaker, which is not what this test is about)
        order = self.client.place_order({"symbol": "EURUSD", "client_order_id": "s-1-2"},
                                        guarded=False)
        self.assertEqual(order["id"], "ord_3")
        self.assertIn("cursor=c1", [r[1] for r in self.server.requests if r[0] == "GET"][-1])

    def test_an_order_the_lookup_does_not_find_is_reported_not_placed(self):
        self.server.script["POST /orders"] = [(503, error(503, "unavailable"), {})]
        self.server.script["GET /orders"] = [(200, {"orders": [], "next_cursor": None}, {})]
        with self.assertRaises(timber.ApiError) as caught:
            self.client.place_order({"symbol": "EURUSD", "client_order_id": "s-1-1"})
        self.assertEqual(caught.exception.status, 503)
        self.assertFalse(caught.exception.maybe_took_effect)
        self.assertIn("the order was not placed", str(caught.exception))

    def test_an_order_neither_settled_nor_found_is_reported_as_maybe_placed(self):
        self.server.script["POST /orders"] = [(503, error(503, "unavailable"), {})]
        self.server.script["GET /orders"] = [(503, error(503, "unavailable"), {})]
        with self.assertRaises(timber.OrderOutcomeUnknownError) as caught:
            self.client.place_order({"symbol": "EURUSD", "client_order_id": "s-1-1"},
                                    idempotency_key="key-1")
        unknown = caught.exception
        self.assertEqual((unknown.client_order_id, unknown.idempotency_key), ("s-1-1", "key-1"))
        self.assertTrue(unknown.maybe_took_effect)
        self.assertIn("may have been placed", str(unknown))
        self.assertIn("GET /orders?status=all&symbol=EURUSD", str(unknown))
        self.assertIn("Idempotency-Key key-1", str(unknown))

    def test_an_attempt_we_stopped_waiting_for_keeps_a_not_found_order_unknown(self):
        # The server may still be placing it after the lookup: not found proves nothing.
        self.server.script["POST /orders"] = [(HANG, None, {})]
        self.server.script["GET /orders"] = [(200, {"orders": [], "next_cursor": None}, {})]
        client = timber.Client(self.server.url, "key_1", "secret", sleep=lambda s: None,
                               max_retries=1, timeout=0.2)
        self.addCleanup(client.close)
        with self.assertRaises(timber.OrderOutcomeUnknownError) as caught:
            client.place_order({"symbol": "EURUSD", "client_order_id": "s-1-1"})
        self.assertIn("may still be working on it", str(caught.exception))

    def test_an_order_the_server_refused_is_not_looked_up(self):
        body = {"error": {"code": "unprocessable", "message": "market is closed", "details": [],
                          "request_id": "r"}}
        self.server.script["POST /orders"] = [(503, error(503, "unavailable"), {}), (422, body, {})]
        with self.assertRaises(timber.ApiError) as caught:
            self.client.place_order({"symbol": "EURUSD"})
        self.assertEqual(caught.exception.status, 422)
        self.assertEqual([r for r in self.server.requests if r[0] == "GET"], [])

    def test_an_order_that_never_left_is_not_looked_up(self):
        self.server.stop()
        client = timber.Client(self.server.url, "k", "s", sleep=lambda s: None, max_retries=1)
        client._token, client._token_expires = "tok", float("inf")
        with self.assertRaises(timber.NetworkError) as caught:
            client.place_order({"symbol": "EURUSD"})
        self.assertFalse(caught.exception.maybe_took_effect)

    def test_a_dead_server_is_a_network_error_after_retries(self):
        self.server.stop()
        with self.assertRaises(timber.NetworkError) as caught:
            timber.Client(self.server.url, "k", "s", sleep=lambda s: None, max_retries=2).account()
        self.assertIn("check that the server", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
