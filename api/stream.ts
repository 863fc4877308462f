import { z } from 'zod';
import { Account } from './account';
import { InstrumentSymbol, Interval, Timestamp } from './common';
import { Candle, Tick } from './market';
import { Fill, Order } from './orders';

export const streamChannels = ['ticks', 'candles', 'orders', 'account'] as const;
export const StreamChannel = z.enum(streamChannels);
export type StreamChannel = z.infer<typeof StreamChannel>;

/** Heartbeat period and the silence after which a client is dropped. */
export const heartbeatMs = 5_000;
export const clientSilenceLimitMs = 30_000;

const subscription = {
  channel: StreamChannel,
  symbols: z.array(InstrumentSymbol).max(500).optional(),
  interval: Interval.optional(),
  /** Resume after this sequence number (orders and account channels). */
  since_seq: z.number().int().nonnegative().optional(),
};

export const ClientMessage = z
  .discriminatedUnion('op', [
    z.object({ op: z.literal('auth'), token: z.string().min(1) }).strict(),
    z.object({ op: z.literal('subscribe'), ...subscription }).strict(),
    z.object({ op: z.literal('unsubscribe'), ...subscription }).strict(),
    z.object({ op: z.literal('ping') }).strict(),
    /**
     * Replay sessions in lockstep only: the client has finished with every bar up to `seq`
     * (its orders for them answered), so the session's clock may move on. `window` is how many
     * bars the client will buffer ahead of its acknowledgements (default 1: strict lockstep).
     * `batch: true` asks for the bars released together as one `candles`/`bars` message (see
     * `CandleBatchData`) instead of one `close` message each; it stays until an ack says false.
     */
    z
      .object({
        op: z.literal('ack'),
        seq: z.number().int().nonnegative(),
        window: z.number().int().min(1).max(4096).optional(),
        batch: z.boolean().optional(),
      })
      .strict(),
  ])
  .meta({ id: 'StreamClientMessage' });
export type ClientMessage = z.infer<typeof ClientMessage>;

export const orderEventTypes = [
  'accepted',
  'partial_fill',
  'fill',
  'cancelled',
  'rejected',
  'expired',
] as const;
export const OrderEventType = z.enum(orderEventTypes);
export type OrderEventType = z.infer<typeof OrderEventType>;

/**
 * Replay-session messages (extension for backtests):
 * - `started`: the session's first candles subscription began the replay.
 * - `advanced`: the clock reached bar `seq` (time `t`); every order and account event up to that
 *   instant has been sent before this message. `quiet` says whether the account then had
 *   nothing that the market alone could change (no open orders, no armed exits), in which case
 *   the next bar can bring no event unless the client acts first.
 * - `finished`: the last bar was acknowledged (or, in real-time mode, released); REST on the
 *   session's base URL keeps answering until the session is deleted.
 */
export const sessionEventTypes = ['started', 'advanced', 'finished'] as const;
export const SessionEventType = z.enum(sessionEventTypes);
export type SessionEventType = z.infer<typeof SessionEventType>;

export const SessionEventData = z.object({
  session_id: z.string(),
  /** Whether the clock waits for acks (`speed: "max"`); a real-time-multiple session does not. */
  lockstep: z.boolean(),
  quiet: z.boolean(),
  bars_total: z.number().int().nonnegative(),
  bars_released: z.number().int().nonnegative(),
});
export type SessionEventData = z.infer<typeof SessionEventData>;

const envelope = { seq: z.number().int().nonnegative(), t: Timestamp };

/**
 * One row of a `bars` message: `[seq, symbol, t, o, h, l, c, v]`, a bar's `close` message in
 * a row of numbers (`t` is the open time, as in a candle).
 */
export const CandleBatchRow = z.tuple([
  z.number().int().positive(),
  InstrumentSymbol,
  Timestamp,
  z.number(),
  z.number(),
  z.number(),
  z.number(),
  z.number().nonnegative(),
]);
export type CandleBatchRow = z.infer<typeof CandleBatchRow>;

/**
 * Replay sessions whose client acked with `batch: true`: the bars released at once (up to
 * 1,024) in one message, consecutive seqs, oldest first; the envelope's `seq` and `t` are the
 * last bar's seq and close. A reader pays one message's cost for many bars.
 */
export const CandleBatchData = z.object({
  interval: Interval,
  bars: z.array(CandleBatchRow).min(1).max(1024),
});
export type CandleBatchData = z.infer<typeof CandleBatchData>;

export const ServerMessage = z
  .union([
    z.object({
      channel: z.literal('ticks'),
      type: z.literal('tick'),
      ...envelope,
      data: Tick.extend({ symbol: InstrumentSymbol }),
    }),
    z.object({
      channel: z.literal('candles'),
      type: z.enum(['update', 'close']),
      ...envelope,
      data: Candle.extend({ symbol: InstrumentSymbol, interval: Interval }),
    }),
    z.object({
      channel: z.literal('candles'),
      type: z.literal('bars'),
      ...envelope,
      data: CandleBatchData,
    }),
    z.object({
      channel: z.literal('orders'),
      type: OrderEventType,
      ...envelope,
      data: z.object({ order: Order, fill: Fill.optional() }),
    }),
    z.object({
      channel: z.literal('account'),
      type: z.literal('update'),
      ...envelope,
      data: Account,
    }),
    z.object({
      channel: z.literal('system'),
      type: z.enum(['heartbeat', 'pong', 'subscribed', 'unsubscribed', 'authenticated']),
      ...envelope,
      data: z.unknown(),
    }),
    z.object({
      channel: z.literal('session'),
      type: SessionEventType,
      ...envelope,
      data: SessionEventData,
    }),
    z.object({
      type: z.literal('error'),
      error: z.object({ code: z.string(), message: z.string() }),
    }),
  ])
  .meta({ id: 'StreamServerMessage' });
export type ServerMessage = z.infer<typeof ServerMessage>;
