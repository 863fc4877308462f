"""Backoff bounds, Retry-After, rate-limit tracking and the circuit breaker's transitions."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import timber  # noqa: E402


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class BackoffTests(unittest.TestCase):
    def test_full_jitter_stays_between_zero_and_the_capped_exponential(self):
        for attempt in range(12):
            ceiling = min(5.0, 0.1 * 2**attempt)
            self.assertEqual(timber.backoff_delay(attempt, 0.1, 5.0, rand=lambda: 0.0), 0.0)
            top = timber.backoff_delay(attempt, 0.1, 5.0, rand=lambda: 0.999999)
            self.assertLessEqual(top, ceiling)
            self.assertGreater(top, ceiling * 0.99)
            for _ in range(50):
                self.assertTrue(0 <= timber.backoff_delay(attempt, 0.1, 5.0) < ceiling + 1e-12)

    def test_huge_attempt_numbers_do_not_overflow(self):
        self.assertLessEqual(timber.backoff_delay(10_000, 0.1, 5.0), 5.0)


class RetryAfterTests(unittest.TestCase):
    def test_seconds(self):
        self.assertEqual(timber.parse_retry_after("3"), 3.0)
        self.assertEqual(timber.parse_retry_after(" 0 "), 0.0)

    def test_http_date(self):
        now = 1_700_000_000.0
        date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 7))
        self.assertAlmostEqual(timber.parse_retry_after(date, now=now), 7.0)
        past = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now - 60))
        self.assertEqual(timber.parse_retry_after(past, now=now), 0.0)

    def test_absent_or_garbage(self):
        self.assertIsNone(timber.parse_retry_after(None))
        self.assertIsNone(timber.parse_retry_after("soon"))


class RateLimitTests(unittest.TestCase):
    def test_waits_for_reset_only_when_nothing_remains(self):
        tracker = timber.RateLimitTracker()
        self.assertEqual(tracker.wait_time(now=100.0), 0.0)
        tracker.update({"x-ratelimit-limit": "10", "x-ratelimit-remaining": "3",
                        "x-ratelimit-reset": "100500"})
        self.assertEqual(tracker.wait_time(now=100.0), 0.0)
        tracker.update({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "100500"})
        self.assertAlmostEqual(tracker.wait_time(now=100.0), 0.5)
        tracker.spent()
        self.assertEqual(tracker.wait_time(now=100.0), 0.0)

    def test_a_reset_on_another_clock_is_not_waited_for(self):
        tracker = timber.RateLimitTracker()
        tracker.update({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1709726400000"})
        self.assertEqual(tracker.wait_time(now=1_800_000_000.0), 0.0)  # reset in the past
        tracker.update({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999999"})
        self.assertEqual(tracker.wait_time(now=1_800_000_000.0), 0.0)  # absurdly far ahead

    def test_malformed_headers_are_ignored(self):
        tracker = timber.RateLimitTracker()
        tracker.update({"x-ratelimit-remaining": "lots"})
        self.assertEqual(tracker.wait_time(), 0.0)


class BreakerTests(unittest.TestCase):
    def setUp(self):
        self.clock = FakeClock()
        self.changes = []
        self.breaker = timber.CircuitBreaker(
            failures=3, latency_ms=1000, cooldown_ms=5000, clock=self.clock,
            on_change=lambda state, why: self.changes.append(state),
        )

    def test_opens_after_n_consecutive_failures_only(self):
        self.breaker.record_failure("503")
        self.breaker.record_failure("503")
        self.breaker.record_success(10)  # a success resets the count
        self.breaker.record_failure("503")
        self.breaker.record_failure("503")
        self.breaker.check()
        self.breaker.record_failure("503")
        self.assertEqual(self.breaker.state, "open")
        with self.assertRaises(timber.CircuitOpenError) as caught:
            self.breaker.check()
        self.assertIn("3 requests failed in a row", str(caught.exception))
        self.assertAlmostEqual(caught.exception.retry_in, 5.0)

    def test_one_slow_answer_opens_it(self):
        self.breaker.record_success(1500)
        self.assertEqual(self.breaker.state, "open")
        self.assertIn("1500 ms", self.breaker.reason)

    def test_an_answer_at_the_limit_is_within_it_and_a_slower_one_says_so(self):
        self.breaker.record_success(1000.9)  # 1000 ms as printed: not past a 1000 ms limit
        self.assertEqual(self.breaker.state, "closed")
        self.breaker.record_success(1001.2)
        self.assertEqual(self.breaker.state, "open")
        self.assertEqual(self.breaker.reason, "a request took 1001 ms (limit 1000 ms)")
        with self.assertRaises(timber.CircuitOpenError) as caught:
            self.breaker.check()
        # One slow answer is described as one, never as repeated failures.
        self.assertNotIn("several", str(caught.exception))
        self.assertNotIn("in a row", str(caught.exception))

    def test_after_the_cooldown_one_trial_goes_and_success_closes(self):
        self.breaker.record_success(2000)
        self.clock.now += 4.9
        with self.assertRaises(timber.CircuitOpenError):
            self.breaker.check()
        self.clock.now += 0.2
        self.breaker.check()  # the trial
        self.assertEqual(self.breaker.state, "half_open")
        with self.assertRaises(timber.CircuitOpenError):
            self.breaker.check()  # a second request while the trial is out
        self.breaker.record_success(20)
        self.assertEqual(self.breaker.state, "closed")
        self.breaker.check()
        self.assertEqual(self.changes, ["open", "half_open", "closed"])

    def test_a_failed_trial_opens_it_again_for_a_full_cooldown(self):
        for _ in range(3):
            self.breaker.record_failure("timeout")
        self.clock.now += 5.1
        self.breaker.check()
        self.breaker.record_failure("503")
        self.assertEqual(self.breaker.state, "open")
        self.clock.now += 4.0
        with self.assertRaises(timber.CircuitOpenError):
            self.breaker.check()

    def test_a_trial_without_verdict_frees_the_slot(self):
        self.breaker.record_success(5000)
        self.clock.now += 6
        self.breaker.check()
        self.breaker.release()  # e.g. the trial got a 429
        self.breaker.check()
        self.assertEqual(self.breaker.state, "half_open")


if __name__ == "__main__":
    unittest.main()
