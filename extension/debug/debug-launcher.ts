import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { OutputStream } from '../../api/run-events';
import type { LaunchOptions, RunningScript, ScriptExit, ScriptLauncher } from '../../runner/launch';
import { LaunchError, RunCancelled, scriptKind } from '../../runner/launch';
import { debugType } from './debug-provider';

/** Lines of stderr kept to explain a failure, as the runner keeps them. */
const tailLines = 20;

interface Watched {
  onOutput(stream: OutputStream, text: string): void;
  onExit(code: number): void;
}

/**
 * Starts a backtest's script under the debugger instead of as a plain process: the runner's
 * session, record and report stay as they are, and a breakpoint stops the script while the
 * lockstep session waits for it. Output and the exit code are read from the debug adapter's
 * messages (of the session and of any child session the JavaScript debugger makes).
 */
export class DebugLauncher implements vscode.Disposable {
  private readonly watched = new Map<string, Watched>();
  private readonly registration = vscode.debug.registerDebugAdapterTrackerFactory('*', {
    createDebugAdapterTracker: (session) => {
      const watched = this.watchedFor(session);
      if (watched === undefined) return undefined;
      return {
        onDidSendMessage: (message: {
          type?: string;
          event?: string;
          body?: { category?: string; output?: string; exitCode?: number };
        }) => {
          if (message.type !== 'event') return;
          if (message.event === 'output' && typeof message.body?.output === 'string') {
            const category = message.body.category;
            if (category === 'stdout' || category === 'stderr')
              watched.onOutput(category, message.body.output);
          } else if (message.event === 'exited' && typeof message.body?.exitCode === 'number')
            watched.onExit(message.body.exitCode);
        },
      };
    },
  });

  readonly launch: ScriptLauncher = async (options: LaunchOptions): Promise<RunningScript> => {
    if (options.signal?.aborted) throw new RunCancelled();
    const name = `Backtest ${basename(options.script)} (${randomUUID().slice(0, 8)})`;
    const tail: string[] = [];
    let exitCode: number | null = null;
    const partial = new Map<OutputStream, string>();
    this.watched.set(name, {
      onOutput: (stream, text) => {
        const lines = ((partial.get(stream) ?? '') + text).split(/\r?\n/);
        partial.set(stream, lines.pop() ?? '');
        for (const line of lines) {
          options.onLine(stream, { text: line, continued: false });
          if (stream === 'stderr') {
            tail.push(line);
            if (tail.length > tailLines) tail.shift();
          }
        }
      },
      onExit: (code) => (exitCode = code),
    });
    let session: vscode.DebugSession | undefined;
    let stopped = false;
    const exited = new Promise<ScriptExit>((done) => {
      const started = vscode.debug.onDidStartDebugSession((each) => {
        if (each.name === name) session = each;
      });
      const ended = vscode.debug.onDidTerminateDebugSession((each) => {
        if (each.name !== name) return;
        started.dispose();
        ended.dispose();
        this.watched.delete(name);
        // A session that ended without telling its code exited normally, unless it was stopped.
        done({
          code: exitCode ?? (stopped ? null : 0),
          signal: null,
          stoppedWith: stopped ? 'SIGTERM' : null,
        });
      });
    });
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(options.script));
    const began = await vscode.debug.startDebugging(folder, {
      type: debugType,
      request: 'launch',
      name,
      program: options.script,
      timberEnv: options.env,
    });
    if (!began) {
      this.watched.delete(name);
      throw new LaunchError(`the debugger did not start ${basename(options.script)}`);
    }
    const stop = async () => {
      stopped = true;
      if (session !== undefined) await vscode.debug.stopDebugging(session);
      return exited;
    };
    options.signal?.addEventListener('abort', () => void stop(), { once: true });
    return {
      pid: -1,
      kind: scriptKind(options.script),
      exited,
      stop,
      stderrTail: () => [...tail],
    };
  };

  /** The launch a session belongs to: its own name, or its parent's (the JavaScript debugger's child). */
  private watchedFor(session: vscode.DebugSession): Watched | undefined {
    for (let each: vscode.DebugSession | undefined = session; each; each = each.parentSession) {
      const watched = this.watched.get(each.name);
      if (watched !== undefined) return watched;
    }
    return undefined;
  }

  dispose(): void {
    this.registration.dispose();
  }
}
