// The LSP wiring: documents in, diagnostics out, and completion, hover, quick fixes and lenses
// from the pure services of service/. Works over whatever connection it is given (stdio, IPC),
// so `dist/language-server.cjs` and `tbm lsp` are the same server.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  TextDocumentContentChangeEvent,
  CodeAction,
  CompletionItem,
  Connection,
  Diagnostic,
  InitializeResult,
} from 'vscode-languageserver';
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  InsertTextFormat,
  MarkupKind,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ServerSettings } from './protocol';
import {
  InitializationOptions,
  MarketParams,
  marketNotification,
  ServerSettings as SettingsSchema,
  settingsSection,
} from './protocol';
import type { Completion } from './service/assist';
import { completionsAt, hoverAt, lensesOf } from './service/assist';
import { quickFixes } from './service/code-actions';
import { diagnose } from './service/diagnose';
import { documentKind, forgetInlinePayloads, rememberInlinePayloads } from './service/documents';
import { inlineCompletions } from './service/inline-completion';
import { InlineDocuments, inlineContextAt, isInlineLanguage } from './service/inline/index';
import type { Finding } from './service/findings';
import { finding } from './service/findings';
import { MarketSource } from './market-source';

/** Larger documents are not checked: a note says so, instead of a stalled editor. */
export const maxCheckedLength = 5_000_000;

const severities = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
} as const;

const completionKinds: Record<Completion['kind'], CompletionItemKind> = {
  field: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  symbol: CompletionItemKind.Constant,
  snippet: CompletionItemKind.Snippet,
};

export function toDiagnostic(each: Finding): Diagnostic {
  return {
    range: each.range,
    severity: severities[each.severity],
    code: each.code,
    source: 'timber',
    message: each.message,
  };
}

function toCompletionItem(item: Completion): CompletionItem {
  return {
    label: item.label,
    kind: completionKinds[item.kind],
    ...(item.detail !== undefined && { detail: item.detail }),
    ...(item.documentation !== undefined && {
      documentation: { kind: MarkupKind.Markdown, value: item.documentation },
    }),
    textEdit: { range: item.range, newText: item.insertText },
    insertTextFormat: item.snippet === true ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
    ...(item.sortText !== undefined && { sortText: item.sortText }),
    ...(item.filterText !== undefined && { filterText: item.filterText }),
    ...(item.preselect === true && { preselect: true }),
  };
}

/** The names of the files beside a `file:` document, for the script-beside check. */
function filesBeside(document: TextDocument): string[] | undefined {
  if (!document.uri.startsWith('file:')) return undefined;
  try {
    return readdirSync(dirname(fileURLToPath(document.uri)));
  } catch {
    return undefined;
  }
}

export function startLanguageServer(connection: Connection): void {
  // The content changes of each edit, kept for the inline reader's incremental parse.
  const changesOf = new Map<string, TextDocumentContentChangeEvent[]>();
  const documents = new TextDocuments<TextDocument>({
    create: (uri, languageId, version, text) => TextDocument.create(uri, languageId, version, text),
    update: (document, changes, version) => {
      const kept = changesOf.get(document.uri) ?? [];
      kept.push(...changes);
      changesOf.set(document.uri, kept);
      return TextDocument.update(document, changes, version);
    },
  });
  const inline = new InlineDocuments();
  const market = new MarketSource();
  const findings = new Map<string, { version: number; findings: Finding[] }>();
  const pending = new Map<string, NodeJS.Immediate>();
  let settings: ServerSettings = SettingsSchema.parse({});
  let options: InitializationOptions = InitializationOptions.parse({});
  let pullsConfiguration = false;

  const findingsOf = (document: TextDocument): Finding[] => {
    const cached = findings.get(document.uri);
    if (cached?.version === document.version) return cached.findings;
    const fresh =
      document.getText().length > maxCheckedLength
        ? [
            finding(
              'file_skipped',
              { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
              `not checked by Timber: the file is over ${maxCheckedLength / 1_000_000} MB`,
              [],
              'information',
            ),
          ]
        : diagnose(document, market.context(), {
            syntax: !options.editorHandlesJson,
            schema: !options.editorHandlesJson,
            filesBeside,
          });
    findings.set(document.uri, { version: document.version, findings: fresh });
    return fresh;
  };

  const publish = (document: TextDocument) => {
    const diagnostics = settings.lint.enable
      ? safely(() => findingsOf(document), []).map(toDiagnostic)
      : [];
    void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
  };

  /** The inline payloads of the document's current version, read before its check. */
  const readInline = async (document: TextDocument): Promise<boolean> => {
    if (!isInlineLanguage(document.languageId)) return true;
    const version = document.version;
    const payloads = await inline.payloads(document.uri).catch((error: unknown) => {
      connection.console.error(`timber: inline payloads not read: ${String(error)}`);
      return [];
    });
    // A later edit came in meanwhile: its own check follows.
    if (documents.get(document.uri)?.version !== version) return false;
    rememberInlinePayloads(document, payloads);
    return true;
  };

  // Edits come faster than checks when typing: one check per document per turn of the loop.
  const schedule = (document: TextDocument) => {
    if (documentKind(document.uri, document.languageId) === undefined) return;
    if (pending.has(document.uri)) return;
    pending.set(
      document.uri,
      setImmediate(() => {
        void market.load().then(async () => {
          pending.delete(document.uri);
          const latest = documents.get(document.uri);
          if (latest !== undefined && (await readInline(latest))) publish(latest);
        });
      }),
    );
  };

  const republishAll = () => {
    findings.clear();
    for (const document of documents.all()) schedule(document);
  };

  const safely = <T>(work: () => T, fallback: T): T => {
    try {
      return work();
    } catch (error) {
      connection.console.error(
        `timber: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      return fallback;
    }
  };

  const pullSettings = async () => {
    if (!pullsConfiguration) return;
    const pulled: unknown = await connection.workspace.getConfiguration(settingsSection);
    settings = SettingsSchema.parse(pulled ?? {});
  };

  connection.onInitialize((params): InitializeResult => {
    options = InitializationOptions.parse(params.initializationOptions ?? {});
    pullsConfiguration = params.capabilities.workspace?.configuration === true;
    return {
      capabilities: {
        textDocumentSync: {
          openClose: true,
          change: TextDocumentSyncKind.Incremental,
        },
        completionProvider: { triggerCharacters: ['"', ':', ' ', ','] },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'timber-language-server' },
    };
  });

  connection.onInitialized(() => {
    // After the answer to initialize: the editor is not kept waiting for the universe.
    void market.load();
    void pullSettings().then(republishAll, (error: unknown) => {
      connection.console.error(`timber: cannot read the settings: ${String(error)}`);
    });
  });

  connection.onDidChangeConfiguration((change) => {
    const pushed = (change.settings as Record<string, unknown> | null)?.[settingsSection];
    if (pullsConfiguration) {
      void pullSettings().then(republishAll, () => undefined);
    } else {
      settings = SettingsSchema.parse(pushed ?? {});
      republishAll();
    }
  });

  connection.onNotification(marketNotification, (params: unknown) => {
    const parsed = MarketParams.safeParse(params);
    if (!parsed.success) {
      connection.console.error(`timber: ${marketNotification} ignored: ${parsed.error.message}`);
      return;
    }
    market.use(parsed.data);
    republishAll();
  });

  documents.onDidOpen((event) => {
    changesOf.delete(event.document.uri);
    if (isInlineLanguage(event.document.languageId)) void inline.open(event.document);
  });
  documents.onDidChangeContent((change) => {
    const { document } = change;
    const changes = changesOf.get(document.uri);
    changesOf.delete(document.uri);
    // Every edit reaches the reader, in order; the check that follows waits for it.
    if (changes !== undefined && isInlineLanguage(document.languageId))
      void inline.update(document, changes).catch(() => undefined);
    schedule(document);
  });
  documents.onDidClose((event) => {
    inline.close(event.document.uri);
    forgetInlinePayloads(event.document.uri);
    changesOf.delete(event.document.uri);
    findings.delete(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });

  connection.onCompletion(async (params) => {
    await market.load();
    const document = documents.get(params.textDocument.uri);
    if (document === undefined) return [];
    if (isInlineLanguage(document.languageId)) {
      // Inside an order written in code: the tree kept for the document says where.
      const at = await inlineContextAt(document, params.position, inline).catch(() => undefined);
      return at === undefined
        ? []
        : safely(() => inlineCompletions(at, market.context()).map(toCompletionItem), []);
    }
    return safely(
      () =>
        completionsAt(document, params.position, market.context(), {
          keys: !options.editorHandlesJson,
        }).map(toCompletionItem),
      [],
    );
  });

  connection.onHover(async (params) => {
    await market.load();
    const document = documents.get(params.textDocument.uri);
    if (document === undefined) return null;
    const hover = safely(() => hoverAt(document, params.position, market.context()), undefined);
    return hover === undefined
      ? null
      : { contents: { kind: MarkupKind.Markdown, value: hover.contents }, range: hover.range };
  });

  connection.onCodeAction(async (params) => {
    await market.load();
    const document = documents.get(params.textDocument.uri);
    if (document === undefined || !settings.lint.enable) return [];
    return safely(
      () =>
        quickFixes(document, findingsOf(document), params.range).map((fix): CodeAction => ({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [toDiagnostic(fix.finding)],
          isPreferred: fix.preferred,
          edit: { changes: { [document.uri]: fix.edits } },
        })),
      [],
    );
  });

  connection.onCodeLens((params) => {
    const document = documents.get(params.textDocument.uri);
    if (document === undefined) return [];
    return safely(
      () =>
        lensesOf(document).map((lens) => ({
          range: lens.range,
          command: { title: lens.title, command: lens.command, arguments: lens.arguments },
        })),
      [],
    );
  });

  connection.onShutdown(() => {
    inline.dispose();
    for (const timer of pending.values()) clearImmediate(timer);
    pending.clear();
  });

  documents.listen(connection);
  connection.listen();
}
