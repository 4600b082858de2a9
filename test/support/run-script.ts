// Runs one of the project's command-line scripts as a user would (a real node process with tsx),
// collecting what it prints and how it exits.
import { spawn } from 'node:child_process';
import { REPO_ROOT } from './samples.ts';

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env`: variables added to this process's own for the script. */
export function runScript(script: string, args: readonly string[], options: { env?: Record<string, string> } = {}): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, ...(options.env ? { env: { ...process.env, ...options.env } } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
