// Where a script failed, read from the end of its stderr: the exception's message and the frame
// of the user's own code it came through, so an editor can put the error on that line.
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScriptProblem } from '../api/run-events';

const pythonFrame = /^\s*File "(.+)", line (\d+)/;
const pythonException = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/;
const nodeMessage =
  /^(?:Uncaught )?([A-Za-z_$][\w$.]*(?:Error|Exception)|Error)(?: \[[\w-]+\])?: (.*)$/;
const nodeFrame = /^\s+at (?:.*? \()?((?:file:\/\/)?(?:\/|[A-Za-z]:[\\/]).*?):(\d+):(\d+)\)?$/;

/**
 * The problem in a failed script's last stderr lines, or null when they hold no traceback.
 * Frames inside `ownDir` (the strategy's folder) are preferred to the SDK's and the runtime's.
 */
export function scriptProblem(stderrTail: readonly string[], ownDir: string): ScriptProblem | null {
  return pythonProblem(stderrTail, ownDir) ?? nodeProblem(stderrTail, ownDir);
}

function pythonProblem(lines: readonly string[], ownDir: string): ScriptProblem | null {
  let last = -1;
  for (let index = lines.length - 1; index >= 0; index--)
    if (pythonFrame.test(lines[index])) {
      last = index;
      break;
    }
  if (last < 0) return null;
  // The exception is the first line after the last frame that is not indented.
  const exceptionLine = lines.slice(last + 1).find((line) => line !== '' && !/^\s/.test(line));
  const exception = exceptionLine === undefined ? null : pythonException.exec(exceptionLine);
  if (exception === null || exceptionLine === undefined) return null;
  const frames = lines.flatMap((line) => {
    const frame = pythonFrame.exec(line);
    return frame ? [{ file: frame[1], line: Number(frame[2]) }] : [];
  });
  const frame = frames.findLast((each) => inside(each.file, ownDir)) ?? frames.at(-1);
  if (frame === undefined) return null;
  return {
    file: resolve(ownDir, frame.file),
    line: frame.line,
    column: null,
    message: exceptionLine,
  };
}

function nodeProblem(lines: readonly string[], ownDir: string): ScriptProblem | null {
  const at = lines.findIndex((line) => nodeMessage.test(line));
  if (at < 0) return null;
  const frames = lines.slice(at + 1).flatMap((line) => {
    const frame = nodeFrame.exec(line);
    if (frame === null) return [];
    const file = frame[1].startsWith('file://') ? fileURLToPath(frame[1]) : frame[1];
    return [{ file, line: Number(frame[2]), column: Number(frame[3]) }];
  });
  const frame =
    frames.find((each) => inside(each.file, ownDir) && !each.file.includes('node_modules')) ??
    frames.find((each) => !each.file.includes('node_modules'));
  if (frame === undefined) return null;
  return { ...frame, message: lines[at].replace(/^Uncaught /, '') };
}

function inside(file: string, dir: string): boolean {
  const path = relative(dir, resolve(dir, file));
  return path !== '' && !path.startsWith('..') && !isAbsolute(path);
}

/** The problem as one line a problem matcher reads: `error: /abs/file.py:40: NameError: …`. */
export function problemLine(problem: ScriptProblem): string {
  const where = `${problem.file}:${problem.line}${problem.column === null ? '' : `:${problem.column}`}`;
  return `error: ${where}: ${problem.message}`;
}
