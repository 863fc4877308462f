// The package's public surface: `import { Strategy, runStrategy } from '@timber-studio/sdk'`.
export { Strategy } from './strategy';
export type {
  HandlerResult,
  Mode,
  OrderOptions,
  OrderUpdate,
  StrategyCandle,
  StrategyContext,
  StrategyFill,
  StrategyTick,
} from './strategy';
export { runStrategy } from './run';
export type { RunOptions } from './run';
export { TimberClient } from './client';
export type {
  ClientNotice,
  ClientOptions,
  FillListOptions,
  OrderListOptions,
  PlaceOptions,
} from './client';
export type { RetryNotice } from './request-core';
export type { LookupNotice } from './settle';
export { StreamClient } from './stream';
export type { StreamClientOptions } from './stream';
export { CircuitBreaker } from './breaker';
export type { BreakerChange, BreakerState } from './breaker';
export {
  ApiError,
  CircuitOpenError,
  ConfigError,
  NetworkError,
  OrderOutcomeUnknownError,
  RateLimitedError,
  RiskLimitError,
} from './errors';
export { loadStrategyConfig } from './config';
