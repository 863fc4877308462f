// What the language server and its clients (the extension, any LSP editor) agree on beyond LSP
// itself: settings, initialization options, the market the checks use, and the lens command.
// Both sides parse with these schemas, so neither trusts the other's shapes blindly.
import { z } from 'zod';
import { Instrument, Quote } from '../api/market';

/** The `timber` section of the client's settings that the server reads. */
export const ServerSettings = z
  .object({
    lint: z
      .object({
        /** Publish diagnostics (`timber.lint.enable`); completion and hover stay on. */
        enable: z.boolean().catch(true).default(true),
      })
      .catch({ enable: true })
      .default({ enable: true }),
  })
  .catch({ lint: { enable: true } });
export type ServerSettings = z.infer<typeof ServerSettings>;
export const settingsSection = 'timber';

export const InitializationOptions = z
  .object({
    /**
     * The editor reports JSON syntax errors and validates strategy configs against the
     * contributed JSON Schema itself (VS Code with jsonValidation): the server then leaves both
     * to it, and offers no config keys it already completes, so nothing shows twice.
     */
    editorHandlesJson: z.boolean().default(false),
  })
  .catch({ editorHandlesJson: false });
export type InitializationOptions = z.infer<typeof InitializationOptions>;

/**
 * `timber/market` (client → server notification): the instruments and quotes of the active
 * environment, replacing the embedded universe; `offline` goes back to it.
 */
export const marketNotification = 'timber/market';
export const MarketParams = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('environment'),
    /** Named in messages: "the local sandbox", "sandbox.timberbondmere.org". */
    source: z.string(),
    instruments: z.array(Instrument),
    quotes: z.array(Quote).default([]),
    /** The environment's market clock when the list was read; the server runs it on. */
    now: z.number(),
  }),
  z.object({ type: z.literal('offline') }),
]);
export type MarketParams = z.infer<typeof MarketParams>;

/** The command of the "Send to sandbox" lens; its one argument is the order's JSON body. */
export const sendOrderCommand = 'timber.orders.send';
