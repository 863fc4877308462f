import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Interval } from '../../api/common';
import { intervals } from '../../api/common';
import type { Instrument } from '../../api/market';
import type { StrategyConfig } from '../../api/strategy-config';
import { resolveBacktestRange } from '../../runner/backtest-range';
import type { BacktestChoice } from './backtest-choice';
import { describeChoice, describeSpan, parseRange, rangePresets } from './backtest-choice';

export interface BacktestPickServices {
  /** The market clock backtests end at (the local sandbox's, else the wall clock). */
  now(): Promise<number>;
  /** The instruments to choose from; undefined when they cannot be read. */
  instruments(): Promise<Instrument[] | undefined>;
  /** The choice made last time for a script, and a place to keep the next. */
  memory: vscode.Memento;
}

const memoryKey = (script: string) => `timber.backtest.last:${script}`;

type Start = vscode.QuickPickItem & { choice?: BacktestChoice };

/**
 * What to backtest `script` over: the strategy config's range or last time's in one pick, or
 * symbols, an interval and a range chosen step by step. Undefined when the user gives up.
 */
export async function pickBacktest(
  script: string,
  config: StrategyConfig | null,
  services: BacktestPickServices,
): Promise<BacktestChoice | undefined> {
  const last = services.memory.get<BacktestChoice>(memoryKey(script));
  const fromConfig = configChoice(config);
  const starts: Start[] = [];
  if (fromConfig !== undefined)
    starts.push({
      label: '$(play) As strategy.json says',
      description: describeChoice(fromConfig),
      choice: fromConfig,
    });
  if (last !== undefined && (fromConfig === undefined || !sameChoice(last, fromConfig)))
    starts.push({
      label: '$(history) As last time',
      description: describeChoice(last),
      choice: last,
    });
  starts.push({ label: '$(settings-gear) Choose symbols, interval and range…' });
  let choice: BacktestChoice | undefined;
  if (starts.length > 1) {
    const start = await vscode.window.showQuickPick(starts, {
      title: `Backtest ${basename(script)}`,
      placeHolder: 'Over what?',
    });
    if (start === undefined) return undefined;
    choice = start.choice;
  }
  choice ??= await chooseStepByStep(script, last ?? fromConfig, config, services);
  if (choice !== undefined) await services.memory.update(memoryKey(script), choice);
  return choice;
}

async function chooseStepByStep(
  script: string,
  defaults: BacktestChoice | undefined,
  config: StrategyConfig | null,
  services: BacktestPickServices,
): Promise<BacktestChoice | undefined> {
  const title = `Backtest ${basename(script)}`;
  const symbols = await pickSymbols(title, defaults?.symbols ?? config?.symbols ?? [], services);
  if (symbols === undefined) return undefined;
  const interval = await pickInterval(title, defaults?.interval ?? config?.interval ?? '1m');
  if (interval === undefined) return undefined;
  const span = await pickSpan(title, config, await services.now());
  if (span === undefined) return undefined;
  return { symbols, interval, ...span };
}

async function pickSymbols(
  title: string,
  chosen: readonly string[],
  services: BacktestPickServices,
): Promise<string[] | undefined> {
  const instruments = await services.instruments();
  if (instruments === undefined) {
    const typed = await vscode.window.showInputBox({
      title: `${title}: symbols`,
      prompt: 'Symbols, separated by commas (the instrument list could not be read)',
      value: chosen.join(', '),
      validateInput: (value) =>
        value.split(',').some((symbol) => symbol.trim() !== '') ? undefined : 'name a symbol',
    });
    return typed
      ?.split(',')
      .map((symbol) => symbol.trim().toUpperCase())
      .filter((symbol) => symbol !== '');
  }
  const items = instruments.map((instrument) => ({
    label: instrument.symbol,
    description: `${instrument.kind} · ${instrument.description}`,
  }));
  // The strategy's own symbols first, picked; the rest of the universe below them.
  items.sort((a, b) => Number(chosen.includes(b.label)) - Number(chosen.includes(a.label)));
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = `${title}: symbols`;
  pick.placeholder = 'Type to filter; pick one or more';
  pick.canSelectMany = true;
  pick.matchOnDescription = true;
  pick.items = items;
  pick.selectedItems = items.filter((item) => chosen.includes(item.label));
  const picked = await new Promise<string[] | undefined>((done) => {
    pick.onDidAccept(() => done(pick.selectedItems.map((item) => item.label)));
    pick.onDidHide(() => done(undefined));
    pick.show();
  });
  pick.dispose();
  return picked !== undefined && picked.length > 0 ? picked : undefined;
}

async function pickInterval(title: string, current: Interval): Promise<Interval | undefined> {
  const items = intervals.map((interval) => ({
    label: interval,
    ...(interval === current && { description: 'as strategy.json says' }),
  }));
  const pick = await vscode.window.showQuickPick(
    [
      ...items.filter((item) => item.label === current),
      ...items.filter((item) => item.label !== current),
    ],
    { title: `${title}: candle interval` },
  );
  return pick?.label;
}

async function pickSpan(
  title: string,
  config: StrategyConfig | null,
  now: number,
): Promise<{ from: number; to: number } | undefined> {
  const custom = { label: '$(calendar) Another range…', from: 0, to: 0 };
  const presets = rangePresets(now, config).map((preset) => ({
    ...preset,
    description: describeSpan(preset.from, preset.to),
  }));
  const pick = await vscode.window.showQuickPick([...presets, custom], {
    title: `${title}: range`,
  });
  if (pick === undefined) return undefined;
  if (pick !== custom) return { from: pick.from, to: pick.to };
  const typed = await vscode.window.showInputBox({
    title: `${title}: range`,
    prompt: 'From → to: dates (UTC midnights), ISO times with a zone, or epoch ms',
    placeHolder: '2024-01-02 → 2024-03-01',
    validateInput: (value) => {
      const parsed = parseRange(value, now);
      return typeof parsed === 'string' ? parsed : undefined;
    },
  });
  if (typed === undefined) return undefined;
  const parsed = parseRange(typed, now);
  return typeof parsed === 'string' ? undefined : parsed;
}

function configChoice(config: StrategyConfig | null): BacktestChoice | undefined {
  if (config?.backtest === undefined) return undefined;
  const range = resolveBacktestRange({}, config);
  return { symbols: range.symbols, interval: range.interval, from: range.from, to: range.to };
}

function sameChoice(a: BacktestChoice, b: BacktestChoice): boolean {
  return describeChoice(a) === describeChoice(b);
}
