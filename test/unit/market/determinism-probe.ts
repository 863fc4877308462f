// A fixed set of market queries; run directly, it prints their JSON, so a test can compare a
// fresh process against its own (warmed, differently ordered) module state.
import { pathToFileURL } from 'node:url';
import { candlesBetween, quoteAt, ticksBetween } from '../../../sandbox/market/feed';
import { instrumentBySymbol } from '../../../sandbox/market/instruments';

export function determinismProbe(): unknown {
  const at = Date.UTC(2019, 6, 17, 9, 41, 7);
  return ['EURUSD', 'XAUJPY', 'DE40', 'SOYBEAN', 'USDTRY'].map((symbol) => {
    const item = instrumentBySymbol(symbol)!;
    return [
      candlesBetween(item, '1m', at - 3_600_000, at),
      candlesBetween(item, '4h', at - 7 * 86_400_000, at),
      ticksBetween(item, at - 5000, at),
      quoteAt(item, at),
    ];
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(JSON.stringify(determinismProbe()));
}
