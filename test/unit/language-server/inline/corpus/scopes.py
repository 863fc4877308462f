"""Payloads whose parts lie in different scopes: the random-edit test edits this file too."""

import requests
import timber

BASE = "https://sandbox.timberbondmere.org"
PATH = "/orders"
ORDERS_URL = BASE + PATH
DEFAULT = {"symbol": "EURUSD", "action": "buy", "quantity": 1000, "order_type": "market"}


def send_default():
    requests.post(ORDERS_URL, json=DEFAULT)


def outer(token):
    order = {"symbol": "GBPUSD", "action": "sell", "quantity": 2000}

    def inner():
        return requests.post(f"{BASE}{PATH}", json=order)

    return inner


class Desk:
    LIMIT = {"symbol": "XAUUSD", "action": "buy", "quantity": 1, "order_type": "limit"}

    def place(self, ctx):
        ctx.place_order(self.LIMIT)
        ctx.sell("XAUUSD", 1, limit_price=2300.5)
        later = lambda: ctx.buy("XAUUSD", 2)
        return later


if __name__ == "__main__":
    body = {"symbol": "US500", "action": "buy", "quantity": 1, "time_in_force": "day"}
    requests.post(ORDERS_URL, json=body)
    body["order_type"] = "market"
