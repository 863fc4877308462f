"""The environment and the strategy config: defaults, and errors that name the field and file."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import timber  # noqa: E402

ENV = {
    "TIMBER_BASE_URL": "http://127.0.0.1:8080",
    "TIMBER_API_KEY_ID": "key_1",
    "TIMBER_API_SECRET": "s3cret-value",
}


class EnvironmentTests(unittest.TestCase):
    def test_defaults_derive_the_stream_url_and_local_env(self):
        env = timber.Environment.from_env(ENV)
        self.assertEqual(env.stream_url, "ws://127.0.0.1:8080/stream")
        self.assertEqual((env.env, env.mode), ("local", "live"))
        session = timber.Environment.from_env(
            {**ENV, "TIMBER_BASE_URL": "https://h/sessions/s1", "TIMBER_ENV": "backtest"}
        )
        self.assertEqual(session.stream_url, "wss://h/sessions/s1/stream")
        self.assertEqual(session.mode, "backtest")

    def test_missing_variables_are_named(self):
        with self.assertRaises(timber.ConfigError) as caught:
            timber.Environment.from_env({"TIMBER_BASE_URL": "http://x"})
        self.assertIn("TIMBER_API_KEY_ID, TIMBER_API_SECRET are not set", str(caught.exception))
        with self.assertRaises(timber.ConfigError) as caught:
            timber.Environment.from_env({**ENV, "TIMBER_ENV": "prod"})
        self.assertIn("TIMBER_ENV", str(caught.exception))

    def test_the_secret_never_shows_in_its_repr(self):
        self.assertNotIn("s3cret-value", repr(timber.Environment.from_env(ENV)))


class StrategyConfigTests(unittest.TestCase):
    def load(self, data):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            file.write(data if isinstance(data, str) else json.dumps(data))
        self.addCleanup(os.unlink, file.name)
        return timber.load_strategy_config(file.name), file.name

    def error_for(self, data):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            file.write(data if isinstance(data, str) else json.dumps(data))
        self.addCleanup(os.unlink, file.name)
        with self.assertRaises(timber.ConfigError) as caught:
            timber.load_strategy_config(file.name)
        self.assertIn(file.name, str(caught.exception))
        return str(caught.exception)

    def test_defaults(self):
        config, _ = self.load({"name": "x", "symbols": ["EURUSD"]})
        self.assertEqual(config.interval, "1m")
        self.assertEqual(config.params, {})
        self.assertIsNone(config.risk.max_position)
        self.assertEqual(config.risk.max_orders_per_minute, 120)
        self.assertEqual(config.risk.circuit_breaker_latency_ms, 1000)
        self.assertEqual(config.risk.circuit_breaker_failures, 5)
        self.assertEqual(config.risk.circuit_breaker_cooldown_ms, 5000)

    def test_the_examples_configs_load(self):
        root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples")
        for name in ("sma-crossover", "volatility-breakout"):
            path = os.path.join(root, name, "strategy.json")
            if os.path.exists(path):
                config = timber.load_strategy_config(path)
                self.assertEqual(config.symbols, ["EURUSD"])

    def test_errors_name_the_field(self):
        cases = [
            ({"symbols": ["EURUSD"]}, '"name"'),
            ({"name": "x", "symbols": []}, '"symbols"'),
            ({"name": "x", "symbols": ["eurusd"]}, '"symbols[0]"'),
            ({"name": "x", "symbols": ["EURUSD"], "interval": "2m"}, '"interval"'),
            ({"name": "x", "symbols": ["EURUSD"], "params": {"f": [1]}}, '"params.f"'),
            ({"name": "x", "symbols": ["EURUSD"], "risk": {"max_position": -1}},
             '"risk.max_position"'),
            ({"name": "x", "symbols": ["EURUSD"], "risk": {"max_orders_per_minute": 0}},
             '"risk.max_orders_per_minute"'),
            ({"name": "x", "symbols": ["EURUSD"], "risk": {"circuit_breaker_latency_ms": 1.5}},
             '"risk.circuit_breaker_latency_ms"'),
        ]
        for data, field in cases:
            self.assertIn(field, self.error_for(data), data)

    def test_bad_json_and_a_missing_file(self):
        self.assertIn("not valid JSON", self.error_for("{nope"))
        with self.assertRaises(timber.ConfigError) as caught:
            timber.load_strategy_config("/nonexistent/strategy.json")
        self.assertIn("does not exist", str(caught.exception))

    def test_round_to_tick(self):
        self.assertEqual(timber.round_to_tick(1.085126, 0.00001), 1.08513)
        self.assertEqual(timber.round_to_tick(1.085124, 0.00001), 1.08512)
        self.assertEqual(timber.round_to_tick(5123.37, 0.25), 5123.25)
        self.assertEqual(timber.round_to_tick(5123.38, 0.25), 5123.5)
        self.assertEqual(timber.round_to_tick(151.2345, 0.001), 151.235)


if __name__ == "__main__":
    unittest.main()
