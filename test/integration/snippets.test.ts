// The snippets package.json contributes: each expands (placeholders at their defaults) to code
// that uses the SDKs' real API: Python compiled and checked against the timber module, TypeScript
// type-checked against @timber-studio/sdk, JSON orders and configs free of findings.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import ts from 'typescript';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { diagnose } from '../../language-server/service/diagnose';
import { offlineContext } from '../../language-server/service/market-context';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'snippets-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Snippet {
  prefix: string[];
  description: string;
  body: string[];
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  contributes: { snippets: { language: string; path: string }[] };
};

function snippetsOf(language: string): Map<string, Snippet> {
  const entry = manifest.contributes.snippets.find((each) => each.language === language);
  assert.ok(entry, `package.json contributes no ${language} snippets`);
  const file = JSON.parse(readFileSync(join(root, entry.path), 'utf8')) as Record<string, Snippet>;
  return new Map(Object.entries(file));
}

/** The text a snippet inserts when every placeholder keeps its default (the first choice). */
export function expand(body: readonly string[]): string {
  return body
    .join('\n')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\{\d+\|([^,|]*)[^}]*\|\}/g, '$1')
    .replace(/\$\{\d+\}|\$\d+/g, '')
    .replace(/\\\$/g, '$');
}

test('every contributed snippet file has snippets with a prefix, a description and a body', () => {
  for (const { language } of manifest.contributes.snippets) {
    const snippets = snippetsOf(language);
    assert.ok(snippets.size >= 3, language);
    for (const [name, snippet] of snippets) {
      assert.ok(name.startsWith('Timber: '), name);
      assert.ok(snippet.prefix.length > 0 && snippet.prefix.every((each) => each.length > 0), name);
      assert.ok(snippet.description.length > 20, name);
      assert.ok(snippet.body.length > 0, name);
    }
  }
  const names = (language: string) => [...snippetsOf(language).keys()];
  for (const language of ['python', 'typescript']) {
    assert.deepEqual(names(language), [
      'Timber: market order',
      'Timber: limit order',
      'Timber: order payload',
      'Timber: SMA crossover strategy',
      'Timber: breakout strategy',
      'Timber: startup reconciliation',
      'Timber: backoff loop',
    ]);
  }
});

test('JSON snippets: orders and a strategy config the language server finds nothing wrong with', () => {
  const context = offlineContext(Date.parse('2025-01-06T12:00:00Z'));
  for (const [name, snippet] of snippetsOf('json')) {
    const file = name.includes('strategy') ? 'strategy.json' : 'snippet.order.json';
    const document = TextDocument.create(
      `file:///snippets/${file}`,
      'json',
      1,
      expand(snippet.body),
    );
    assert.deepEqual(diagnose(document, context), [], `${name}:\n${document.getText()}`);
  }
});

test('Python snippets compile, and use only what the timber module and its Context have', () => {
  const snippets = snippetsOf('python');
  const checks: string[] = [];
  for (const [name, snippet] of snippets) {
    const code = expand(snippet.body);
    const whole = code.startsWith('import timber');
    const indented = code.replace(/^/gm, '        ');
    const module = whole
      ? code
      : `import time\nimport timber\n\n\nclass Fragment(timber.Strategy):\n    def fragment(self, ctx):\n${indented}\n`;
    const path = join(work, `${name.replace(/\W+/g, '_')}.py`);
    writeFileSync(path, module);
    checks.push(path);
  }
  const program = `
import importlib.util, inspect, re, sys
import timber
context_names = set(dir(timber.Context)) | set(re.findall(r"self\\.(\\w+)", inspect.getsource(timber.Context.__init__)))
for path in sys.argv[1:]:
    source = open(path).read()
    spec = importlib.util.spec_from_file_location("snippet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # compiles it and defines its classes; runs nothing
    for name in re.findall(r"\\btimber\\.(\\w+)", source):
        assert hasattr(timber, name), f"{path}: timber.{name} does not exist"
    for name in re.findall(r"\\bctx\\.(\\w+)", source):
        assert name in context_names, f"{path}: ctx.{name} is not in timber.Context"
print("ok", len(sys.argv) - 1)
`;
  const result = spawnSync('python3', ['-c', program, ...checks], {
    env: { ...process.env, PYTHONPATH: join(root, 'sdk/python') },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), `ok ${snippets.size}`);
});

test('TypeScript snippets type-check against @timber-studio/sdk', () => {
  const files: string[] = [];
  for (const [name, snippet] of snippetsOf('typescript')) {
    const code = expand(snippet.body);
    const whole = code.startsWith('import ');
    const method = code.startsWith('override ');
    const module = whole
      ? code
      : [
          "import type { StrategyContext } from '@timber-studio/sdk';",
          "import { NetworkError, RateLimitedError, Strategy } from '@timber-studio/sdk';",
          'export class Fragment extends Strategy {',
          method ? code : `  async fragment(ctx: StrategyContext): Promise<void> {\n${code}\n  }`,
          '}',
          'export const uses = [NetworkError, RateLimitedError];',
        ].join('\n');
    const path = join(work, `${name.replace(/\W+/g, '_')}.ts`);
    writeFileSync(path, module);
    files.push(path);
  }
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) =>
        assert.fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
    },
  );
  assert.ok(config);
  const program = ts.createProgram(files, {
    ...config.options,
    noUnusedLocals: false,
    noEmit: true,
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter(
      (diagnostic) =>
        diagnostic.file !== undefined && files.includes(resolve(diagnostic.file.fileName)),
    )
    .map(
      (diagnostic) =>
        `${diagnostic.file?.fileName}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
    );
  assert.deepEqual(problems, []);
});
