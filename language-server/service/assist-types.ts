// What completion and hover give back: plain data the server turns into LSP items.
import type { Range } from './payload';

export type CompletionKind = 'field' | 'value' | 'symbol' | 'snippet';

export interface Completion {
  label: string;
  kind: CompletionKind;
  /** One line beside the label (an instrument's description, "current ask"). */
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** Replaces `range`; a snippet (`${1|a,b|}` placeholders) when `snippet` is set. */
  insertText: string;
  range: Range;
  snippet?: boolean;
  sortText?: string;
  filterText?: string;
  /** Keeps the item first among its kind (the field that is most likely next, the nearest symbol). */
  preselect?: boolean;
}

export interface Hover {
  /** Markdown. */
  contents: string;
  range: Range;
}
