// How the TypeScript side runs the Python detector trainer (models/train/detector/*.py): Debian's
// python3 with python3-torch and python3-onnx, which scripts/setup-training.sh installs only when
// training is used. /usr/bin/python3 first, since a pyenv or venv python on PATH lacks Debian's torch.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../infra/samples.ts';

export class PythonTrainingUnavailableError extends Error {
  override name = 'PythonTrainingUnavailableError';
}

const PACKAGE_ROOT = path.join(REPO_ROOT, 'models', 'train');

export function pythonExecutable(): string {
  return process.env.TRAIN_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** Fails with the command that fixes it when torch or onnx cannot be imported. */
export function checkPythonTraining(): void {
  const r = spawnSync(pythonExecutable(), ['-c', 'import torch, onnx'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new PythonTrainingUnavailableError(
      `${pythonExecutable()} cannot import torch and onnx (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); run: bash scripts/setup-training.sh`,
    );
  }
}

/** Installs python3-torch/python3-onnx/python3-pil when missing (scripts/setup-training.sh, apt-get), then checks they import. */
export function ensureTrainingPython(log: (line: string) => void = () => undefined): void {
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'setup-training.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.stderr.trim()) log(r.stderr.trim());
  // The script checks the packages itself; only when it failed is the slower, wordier check worth it.
  if (r.status !== 0) checkPythonTraining();
}

export interface PythonRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `python3 -m detector.<module> ...args`; each stdout line is handed to onLine as it comes. */
export function runPythonModule(module: string, args: readonly string[], onLine?: (line: string) => void): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonExecutable(), ['-m', `detector.${module}`, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, PYTHONPATH: PACKAGE_ROOT, PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '2' },
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) onLine?.(l);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending) onLine?.(pending);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
