import * as vscode from 'vscode';

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
  };
}

/**
 * The interpreter for a Python script: the setting `timber.python.path`, else the one chosen in
 * the Python extension when it is installed, else undefined (the runner uses `python3`).
 */
export async function pythonFor(script: string): Promise<string | undefined> {
  if (!script.endsWith('.py')) return undefined;
  const setting = vscode.workspace.getConfiguration('timber').get<string>('python.path') ?? '';
  if (setting.trim() !== '') return setting;
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (extension === undefined) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api.environments?.getActiveEnvironmentPath(vscode.Uri.file(script))?.path;
  } catch {
    return undefined;
  }
}
