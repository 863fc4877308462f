// A JSON document parsed once with jsonc-parser (VS Code's own: error-tolerant, with offsets),
// and what every JSON service needs of it: ranges of nodes, syntax errors as findings, values.
import type { Node, ParseError } from 'jsonc-parser';
import { parseTree, printParseErrorCode } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding } from './findings';
import { finding } from './findings';
import type { Position, Range } from './payload';

export interface JsonDocument {
  document: TextDocument;
  root: Node | undefined;
  errors: ParseError[];
  /** Offsets to positions, fast when asked in document order (as a tree walk asks). */
  lines: LineIndex;
}

/**
 * Where each line starts, and the line of the last answer: a walk over a tree asks for offsets
 * in increasing order, so most answers are on the same line or the next few. Counts in UTF-16
 * code units, as LSP and TextDocument do.
 */
export class LineIndex {
  private readonly starts: number[] = [0];
  private line = 0;

  constructor(private readonly text: string) {
    for (let offset = 0; offset < text.length; offset++) {
      const code = text.charCodeAt(offset);
      if (code === 13 /* \r */) {
        if (text.charCodeAt(offset + 1) === 10) offset++;
        this.starts.push(offset + 1);
      } else if (code === 10 /* \n */) {
        this.starts.push(offset + 1);
      }
    }
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const starts = this.starts;
    let line = this.line;
    if (clamped < starts[line]) line = this.search(clamped);
    else {
      let steps = 0;
      while (line + 1 < starts.length && starts[line + 1] <= clamped) {
        line++;
        if (++steps > 8) {
          line = this.search(clamped);
          break;
        }
      }
    }
    this.line = line;
    return { line, character: clamped - starts[line] };
  }

  private search(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}

const cache = new WeakMap<TextDocument, { version: number; parsed: JsonDocument }>();

/** The document's tree, parsed once per version. Comments and trailing commas are tolerated. */
export function parseJson(document: TextDocument): JsonDocument {
  const cached = cache.get(document);
  if (cached !== undefined && cached.version === document.version) return cached.parsed;
  const errors: ParseError[] = [];
  const root = parseTree(document.getText(), errors, {
    allowTrailingComma: true,
    disallowComments: false,
  });
  const parsed = { document, root, errors, lines: new LineIndex(document.getText()) };
  cache.set(document, { version: document.version, parsed });
  return parsed;
}

export function rangeOf(document: TextDocument, offset: number, length: number): Range {
  const { lines } = parseJson(document);
  return { start: lines.positionAt(offset), end: lines.positionAt(offset + length) };
}

export function nodeRange(document: TextDocument, node: Node): Range {
  return rangeOf(document, node.offset, node.length);
}

const readable: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the property name',
  CommaExpected: 'expected "," between items',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the array',
  EndOfFileExpected: 'expected the end of the file after the value',
  InvalidCommentToken: 'malformed comment',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'malformed \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

/**
 * Syntax errors as findings: the first few only, since one missing brace can make every line
 * after it an error, and the first one is the one to fix.
 */
export function syntaxFindings(json: JsonDocument, limit = 5): Finding[] {
  return json.errors.slice(0, limit).map((error) => {
    const name = printParseErrorCode(error.error);
    return finding(
      'json_syntax',
      rangeOf(json.document, error.offset, Math.max(error.length, 1)),
      `JSON syntax: ${readable[name] ?? name}`,
    );
  });
}

/** The property nodes of an object node that have a key. */
export function propertiesOf(node: Node): { key: Node; value: Node | undefined; property: Node }[] {
  if (node.type !== 'object') return [];
  return (node.children ?? []).flatMap((property) => {
    const [key, value] = property.children ?? [];
    return key === undefined ? [] : [{ key, value, property }];
  });
}
