// Which dialect reads a grammar's trees.
import { python } from './python';
import type { GrammarName } from './runtime';
import type { Dialect } from './syntax';
import { typescript } from './typescript';

export function dialectOf(grammar: GrammarName): Dialect {
  return grammar === 'python' ? python : typescript;
}
