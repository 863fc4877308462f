// A large Python strategy for the inline-payload benchmark: `payloads` order payloads of every
// kind (SDK calls with keywords, dicts posted with requests, place_order, plain order dicts)
// among indicator code and dicts that are not orders, about `lines` lines in all.

const symbols = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'US500'];

function handler(index: number): string[] {
  const symbol = symbols[index % symbols.length];
  const quantity = 1000 * (1 + (index % 7));
  const lines = [
    `    def on_signal_${index}(self, candle, ctx):`,
    `        """Signal ${index}: enter when the close crosses its ${10 + (index % 40)}-bar mean."""`,
    `        window = self.history.setdefault("${symbol}", [])[-${10 + (index % 40)}:]`,
    '        if not window:',
    '            return',
    '        mean = sum(bar.c for bar in window) / len(window)',
    `        spread = max(bar.h for bar in window) - min(bar.l for bar in window)`,
    `        self.stats["${symbol}"] = {"mean": mean, "spread": spread, "bars": len(window)}`,
  ];
  switch (index % 4) {
    case 0:
      lines.push(
        '        if candle.c > mean + spread / 4:',
        `            ctx.buy("${symbol}", ${quantity}, stop_loss=round(mean - spread, 5), time_in_force="day")`,
      );
      break;
    case 1:
      lines.push(
        '        order = {',
        `            "symbol": "${symbol}",`,
        '            "action": "sell",',
        `            "quantity": ${quantity},`,
        '            "order_type": "limit",',
        '            "limit_price": round(mean + spread, 5),',
        '            "time_in_force": "gtc",',
        '        }',
        '        requests.post(BASE_URL + "/orders", json=order, headers=self.headers, timeout=5)',
      );
      break;
    case 2:
      lines.push(
        `        ctx.place_order({"symbol": "${symbol}", "action": "buy", "quantity": ${quantity}, "order_type": "market", "time_in_force": "ioc"})`,
      );
      break;
    default:
      lines.push(
        `        self.pending.append({"symbol": "${symbol}", "action": "sell", "quantity": ${quantity}, "order_type": "market", "time_in_force": "gtc"})`,
      );
  }
  lines.push(
    '        for bar in window:',
    '            self.total += (bar.c - mean) ** 2',
    `        ctx.log(f"signal ${index}: mean {mean:.5f} spread {spread:.5f}")`,
    '',
  );
  return lines;
}

export function generatedStrategy(payloads = 500, lines = 10_000): string {
  const out = [
    '"""A generated strategy with many signals, for benchmarks."""',
    'import os',
    '',
    'import requests',
    'import timber',
    '',
    'BASE_URL = os.environ["TIMBER_BASE_URL"]',
    '',
    '',
    'class ManySignals(timber.Strategy):',
    '    def __init__(self):',
    '        self.history = {}',
    '        self.stats = {}',
    '        self.pending = []',
    '        self.total = 0.0',
    '        self.headers = {"Authorization": "Bearer " + os.environ.get("TOKEN", "")}',
    '',
  ];
  for (let index = 0; index < payloads; index++) out.push(...handler(index));
  // Indicator helpers without payloads fill the rest.
  for (let index = 0; out.length < lines - 4; index++) {
    out.push(
      `    def helper_${index}(self, values):`,
      `        weights = [${index % 9} + i for i in range(len(values))]`,
      '        return sum(w * v for w, v in zip(weights, values)) / max(sum(weights), 1)',
      '',
    );
  }
  out.push('', 'if __name__ == "__main__":', '    timber.run(ManySignals())');
  return `${out.join('\n')}\n`;
}
