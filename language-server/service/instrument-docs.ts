// An instrument in words, for hovers and completion items: its grid, its hours and, when known,
// where it trades now.
import type { Instrument } from '../../api/market';
import { isOpen, nextOpen } from '../../sandbox/market/hours';
import type { CheckContext } from './market-context';

const utc = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/:\d\d\.\d{3}Z$/, ' UTC')
    .replace('T', ' ');

/** The instrument's trading facts, one per line, in Markdown. */
export function instrumentMarkdown(
  instrument: Instrument,
  context: CheckContext,
  options: { quote?: boolean } = {},
): string {
  const lines = [
    `**${instrument.symbol}**: ${instrument.description} (${instrument.kind})`,
    '',
    `- tick_size ${instrument.tick_size}, min_quantity ${instrument.min_quantity}, quantity_step ${instrument.quantity_step}`,
    `- trading hours: ${instrument.trading_hours.description}`,
    `- ${marketState(instrument, context)}`,
  ];
  const quote = options.quote === false ? undefined : context.quote(instrument.symbol);
  if (quote !== undefined) lines.push(`- bid ${quote.bid}, ask ${quote.ask} at ${utc(quote.t)}`);
  return lines.join('\n');
}

function marketState(instrument: Instrument, context: CheckContext): string {
  if (isOpen(instrument, context.now)) return `open now (${utc(context.now)})`;
  const opens = nextOpen(instrument, context.now);
  return opens === null ? 'closed' : `closed now; opens ${utc(opens)}`;
}

/** One line for a completion item's detail. */
export function instrumentDetail(instrument: Instrument): string {
  return `${instrument.description} · tick ${instrument.tick_size} · min ${instrument.min_quantity}`;
}
