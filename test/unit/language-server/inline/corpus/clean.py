"""Look-alikes of order payloads that are not orders: nothing here may be reported.

Send {"symbol": "EURUSD"} to "/orders"
"""

import json
import logging
import urllib.request

import requests
import timber

BASE = "https://sandbox.timberbondmere.org"
ORDERS = BASE + "/orders"

# Dicts that merely have a symbol key, or some of an order's keys.
instrument = {"symbol": "EURUSD", "tick_size": 0.00001, "min_quantity": 1000}
position = {"symbol": "EURUSD", "quantity": -1000, "avg_price": 1.0842}
snapshot = {"symbol": "EURUSD", "quantity": 1000, "order_type": "market"}
# An order as the API answers it, and a fill: not requests.
answered = {
    "id": "o-1",
    "symbol": "EURUSD",
    "action": "buy",
    "quantity": 1000,
    "order_type": "market",
    "time_in_force": "gtc",
    "status": "filled",
}
fill = {"symbol": "EURUSD", "action": "buy", "quantity": 1000, "price": 1.0842, "fee": 0.2}
headers = {"Authorization": "Bearer x", "Content-Type": "application/json", "Idempotency-Key": "k"}
config = {"symbols": ["EURUSD"], "interval": "1m", "params": {"fast": 50, "slow": 200}}
subscribe = {"op": "subscribe", "channel": "orders", "symbols": ["EURUSD"]}
settings = dict(symbol="EURUSD", interval="1m", lookback=20)
batch = {
    "requests": [
        {"id": "1", "method": "GET", "path": "/orders?status=open"},
        {"id": "2", "method": "DELETE", "path": "/orders/o-1"},
        {"id": "3", "method": "POST", "path": "/orders/cancel", "body": {"symbol": "EURUSD"}},
    ]
}


def listing(token):
    # Reading orders, never placing one.
    requests.get(BASE + "/orders", params={"symbol": "EURUSD", "status": "open"}, headers=headers)
    requests.get(ORDERS, json={"symbol": "EURUSD", "action": "buy"})
    urllib.request.urlopen(urllib.request.Request(BASE + "/orders?status=open", headers=headers))
    requests.request("GET", f"{BASE}/orders", params={"symbol": "EURUSD"})
    requests.request(method="DELETE", url=ORDERS, json={"all": True})
    query = {"symbol": "EURUSD", "status": "all", "limit": 500}
    requests.get(f"{BASE}/orders", params=query)


def other_paths(token):
    requests.post(BASE + "/orders/cancel", json={"symbol": "EURUSD"})
    requests.post(
        BASE + "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "k", "client_secret": "s"},
    )
    requests.post(BASE + "/sandbox/sessions", json={"symbols": ["EURUSD"], "interval": "1m"})
    requests.post("https://hooks.example/T0", json={"text": "placed /orders", "symbol": "EURUSD"})
    body = json.dumps({"requests": []}).encode()
    urllib.request.Request(BASE + "/batch", data=body, method="POST")
    requests.post(BASE + "/log", json={"message": "POST /orders failed", "symbol": "EURUSD"})
    requests.post(BASE + "/orders" + "/cancel", json={"all": True})


class Cart:
    def buy(self, item, count, coupon=None):
        return (item, count, coupon)


def shopping(cart, broker, store, basket):
    cart.buy("apple", 3, coupon="SPRING")
    broker.buy("AAPL", 10, limit=180.5)
    store.sell(item="lamp", price=20)
    basket.place_order({"sku": "lamp-1", "count": 2})
    logging.info("buy(%s) for /orders", "EURUSD")
    buy = print
    buy("EURUSD", 1000)


def not_a_context(exchange):
    exchange.buy("EURUSD", 1000, stop_loss=1.05)


def shadowed(requests, order):
    # `order` is a parameter: what it holds is not known here.
    requests.post(ORDERS, json=order)
