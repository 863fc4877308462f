import type { FaultConfig } from '../../api/faults';
import { SandboxError } from '../errors';

/** What to do to one request: wait, then maybe answer with an injected error instead. */
export interface FaultDecision {
  delayMs: number;
  error: SandboxError | undefined;
  /** Once the request has taken effect: hold the answer back, then lose it (or not). */
  after: AfterCommitFault | undefined;
}

export interface AfterCommitFault {
  delayMs: number;
  /** 'error': a 503 although it took effect; 'reset': the connection is cut, no answer. */
  outcome: 'answer' | 'error' | 'reset';
}

const none: FaultDecision = Object.freeze({ delayMs: 0, error: undefined, after: undefined });

/** The 503 of a request that did take effect: said so in its message, for whoever reads logs. */
export function afterCommitError(): SandboxError {
  return new SandboxError(
    'unavailable',
    'injected fault after commit (PUT /sandbox/faults): this request took effect, but its answer says it failed',
  );
}

/**
 * The faults of one key or session with its own random sequence, so that the same requests in
 * the same order meet the same faults: a test of retries and circuit breakers is repeatable.
 */
export class FaultPlan {
  private state: number;

  constructor(readonly config: FaultConfig) {
    this.state = (config.seed ?? 0x5eed) >>> 0 || 1;
  }

  /** Decides the faults of the next request; `changesState` for anything but a read. */
  decide(changesState = false): FaultDecision {
    const { latency_ms: latency, error_rate: errorRate, rate_limit_rate: limitRate } = this.config;
    let delayMs = 0;
    if (typeof latency === 'number') delayMs = latency;
    else if (latency !== undefined) {
      delayMs = latency.min + Math.floor(this.random() * (latency.max - latency.min + 1));
    }
    let error: SandboxError | undefined;
    if (errorRate !== undefined && errorRate > 0 && this.random() < errorRate) {
      error = new SandboxError(
        'unavailable',
        'injected fault: the sandbox answers 503 to this share of requests (PUT /sandbox/faults)',
      );
    } else if (limitRate !== undefined && limitRate > 0 && this.random() < limitRate) {
      const retryAfter = this.config.retry_after_s ?? 1;
      error = new SandboxError(
        'rate_limited',
        `injected fault: rate limited (PUT /sandbox/faults); retry after ${retryAfter} s`,
        [],
        retryAfter,
      );
    }
    // Drawn only when configured, so the other faults of a seed stay as they were.
    const after = error === undefined && changesState ? this.decideAfter() : undefined;
    return delayMs === 0 && error === undefined && after === undefined
      ? none
      : { delayMs, error, after };
  }

  private decideAfter(): AfterCommitFault | undefined {
    const config = this.config.after_commit;
    if (config === undefined) return undefined;
    let outcome: AfterCommitFault['outcome'] = 'answer';
    const draw = this.random();
    const errorRate = config.error_rate ?? 0;
    if (draw < errorRate) outcome = 'error';
    else if (draw < errorRate + (config.reset_rate ?? 0)) outcome = 'reset';
    const delayMs = config.delay_ms ?? 0;
    return outcome === 'answer' && delayMs === 0 ? undefined : { delayMs, outcome };
  }

  /** xorshift32: small, fast and good enough to spread injected faults evenly. */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x1_0000_0000;
  }
}

/** Fault plans per API key, set with `PUT /sandbox/faults`; kept in memory only. */
export class FaultRegistry {
  private readonly byKey = new Map<string, FaultPlan>();

  set(keyId: string, config: FaultConfig): void {
    if (isEmpty(config)) this.byKey.delete(keyId);
    else this.byKey.set(keyId, new FaultPlan(config));
  }

  get(keyId: string): FaultConfig | undefined {
    return this.byKey.get(keyId)?.config;
  }

  clear(keyId: string): void {
    this.byKey.delete(keyId);
  }

  decide(keyId: string, changesState = false): FaultDecision {
    return this.byKey.get(keyId)?.decide(changesState) ?? none;
  }
}

function isEmpty(config: FaultConfig): boolean {
  return (
    config.latency_ms === undefined &&
    !config.error_rate &&
    !config.rate_limit_rate &&
    config.after_commit === undefined &&
    config.stream_drop_after_ms === undefined
  );
}

export const noFaults = none;
