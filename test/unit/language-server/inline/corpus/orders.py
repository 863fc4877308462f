"""Order payloads written every way the SDK and plain HTTP allow (each one is expected)."""

import json
import urllib.request

import requests
import timber
from timber import Context

BASE = "https://sandbox.timberbondmere.org"
ORDERS_URL = BASE + "/orders"


class Strategy(timber.Strategy):
    def on_candle(self, candle, ctx):
        ctx.buy("EURUSD", 1000, limit_price=1.0842, stop_loss=1.08, time_in_force="day")
        ctx.sell("GBPUSD", 1_000)
        self.ctx.buy(symbol="USDJPY", quantity=2e3, **self.exits)
        ctx.buy("EURUSD", 500, limit_price=None, take_profit=candle.c + 0.01)
        ctx.place_order({"symbol": "EURUSD", "action": "sell", "quantity": 1000, "order_type": "market", "time_in_force": "ioc"})

    def enter(self, c: Context, symbol):
        c.sell(symbol, 1, take_profit=-5, client_order_id="a\tb")


def with_client(client: timber.Client, price):
    order = {"symbol": "EURUSD", "action": "buy", "quantity": 1000, "order_type": "limit"}
    order["limit_price"] = price
    client.place_order(order)


def plain_http(token, price):
    requests.post(
        BASE + "/orders",
        json={"symbol": "XAUUSD", "action": "buy", "quantity": 1, "order_type": "market", "time_in_force": "gtc"},
        headers={"Authorization": f"Bearer {token}"},
    )
    order = {"symbol": "EUR" "USD", "action": "sell", "quantity": -5, "order_type": "limit", "limit_price": price}
    requests.post(f"{BASE}/orders", json=order)


def with_urllib(token):
    body = {"symbol": "US500", "action": "buy", "quantity": 0.5, "order_type": "market", "time_in_force": "day"}
    request = urllib.request.Request(ORDERS_URL, data=json.dumps(body).encode(), method="POST")
    return urllib.request.urlopen(request)


def through_names(token):
    url = ORDERS_URL
    requests.post(url, json={"action": "buy", "quantity": 5})


def call(method, path, token=None, body=None):
    return (method, path, token, body)


def with_helpers(conn, token):
    call("POST", "/orders", token, body={"symbol": "EURUSD", "action": "buy", "quantity": 10, "extra": True})
    conn.request("POST", "/v1/orders", json.dumps({"symbol": r"EUR\USD", "action": "sell"}), {"Accept": "*/*"})
    requests.post(ORDERS_URL, json=dict(symbol="EURUSD", action="buy", quantity=1000, order_type="market", time_in_force="gtc"))
    requests.post(ORDERS_URL, json={"symbol": "EURUSD", **defaults, "quantity": 3})


batch = {
    "requests": [
        {"id": "1", "method": "POST", "path": "/orders", "body": {"symbol": "EURUSD", "action": "buy", "quantity": 1, "order_type": "market", "time_in_force": "gtc"}},
    ]
}

pending = {"symbol": "EURUSD", "action": "buy", "quantity": 1000, "order_type": "limit", "limit_price": 1.1, "stop_los": 1.0}
