// Reading literal text as the language means it: escapes in strings, separators and bases in
// numbers. Anything these do not understand is left to the caller to call dynamic.

import type { PayloadValue } from '../payload';

const simpleEscapes: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
};

/**
 * The text a string's escapes stand for. `python` adds `\a`, octal and `\U`; both drop an
 * escaped line break. An escape neither language knows keeps its backslash (Python's way).
 */
export function unescape(raw: string, language: 'python' | 'typescript'): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(
    /\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[0-7]{1,3}|\r\n|[\s\S])/g,
    (whole, escape: string) => {
      const first = escape[0];
      if (escape === '\n' || escape === '\r\n' || escape === '\r') return '';
      if (first === 'x' || (first === 'u' && escape[1] !== '{') || first === 'U') {
        if (first === 'U' && language !== 'python') return whole;
        return codePoint(parseInt(escape.slice(1), 16)) ?? whole;
      }
      if (first === 'u') {
        if (language === 'python') return whole;
        return codePoint(parseInt(escape.slice(2, -1), 16)) ?? whole;
      }
      if (/^[0-7]/.test(escape)) {
        if (language === 'python') return codePoint(parseInt(escape, 8)) ?? whole;
        if (escape === '0') return '\0';
        return whole;
      }
      if (first === 'a' && language === 'python') return '\x07';
      const simple = simpleEscapes[escape];
      if (simple !== undefined) return simple;
      return language === 'python' ? whole : escape;
    },
  );
}

function codePoint(value: number): string | undefined {
  return Number.isInteger(value) && value >= 0 && value <= 0x10ffff
    ? String.fromCodePoint(value)
    : undefined;
}

/**
 * A number literal's value: `1_000`, `0x1F`, `0o17`, `0b101`, `1e3`, `.5`. Undefined for what
 * is not a plain real number (Python's `1j`, JavaScript's `10n`, legacy octal `017`).
 */
export function numberValue(text: string): number | undefined {
  const plain = text.replace(/_/g, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(plain)) return parseInt(plain.slice(2), 16);
  if (/^0[oO][0-7]+$/.test(plain)) return parseInt(plain.slice(2), 8);
  if (/^0[bB][01]+$/.test(plain)) return parseInt(plain.slice(2), 2);
  if (/^0\d/.test(plain) && !/^0\d*\./.test(plain) && !/[eE]/.test(plain)) return undefined;
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(plain)) return undefined;
  const value = Number(plain);
  return Number.isFinite(value) ? value : undefined;
}

/** `stopLoss` → `stop_loss`; already snake_case names are left as they are. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * A number literal with a sign in front (`-1.5`, `+2`): the literal's text with its operator, in
 * both grammars' unary nodes. Undefined for any other operator or operand.
 */
export function signedNumberValue(
  operator: string | undefined,
  operand: { type: string; text: string },
  isNumberLiteral: (type: string) => boolean,
): PayloadValue | undefined {
  if ((operator !== '-' && operator !== '+') || !isNumberLiteral(operand.type)) return undefined;
  const number = numberValue(operand.text);
  if (number === undefined) return undefined;
  return {
    kind: 'number',
    value: operator === '-' ? -number : number,
    text: `${operator}${operand.text}`,
  };
}
