// Every command a person types (each `npm run` script that runs scripts/*.ts) answers --help with
// its usage and exit 0, and an unknown option or a missing value with one line naming it, then the
// usage, exit 2: never a stack trace. The list comes from package.json, so a new command is checked
// as soon as it is added.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeParseError } from '../../scripts/cli/args.ts';
import { runScript, type ScriptRun } from '../support/run-script.ts';
import { REPO_ROOT } from '../support/samples.ts';

const npmScripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const commands = [...new Map(Object.entries(npmScripts).flatMap(([name, line]) => [...line.matchAll(/\btsx (scripts\/[\w-]+\.ts)/g)].map((m) => [m[1]!, name] as const))).entries()];

/** At most two at a time: the machine is shared. */
async function eachLimited<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all([lane(), lane()]);
  return results;
}

const noStackTrace = (run: ScriptRun) => expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('command-line usage', () => {
  it('covers every npm script that runs a TypeScript command', () => {
    expect(commands.map(([script]) => script).sort()).toEqual(
      expect.arrayContaining(['scripts/api.ts', 'scripts/demo.ts', 'scripts/detect.ts', 'scripts/eval.ts', 'scripts/models.ts', 'scripts/watch.ts', 'scripts/camera-worker.ts', 'scripts/survey-upload.ts', 'scripts/survey-worker.ts', 'scripts/dispatch-worker.ts', 'scripts/dataset-export.ts', 'scripts/import-models.ts', 'scripts/bench-api.ts', 'scripts/bench-detect.ts', 'scripts/bench-streams.ts', 'scripts/bench-survey.ts']),
    );
  });

  it('--help prints the usage and exits 0', { timeout: 240_000 }, async () => {
    const runs = await eachLimited(commands, ([script]) => runScript(script, ['--help']));
    for (const [i, [script]] of commands.entries()) {
      const run = runs[i]!;
      expect(run.code, `${script}: ${run.stderr}`).toBe(0);
      expect(run.stdout, script).toMatch(/^usage:(\s)/);
      noStackTrace(run);
    }
  });

  it('an unknown option is one line naming it, then the usage, exit 2', { timeout: 240_000 }, async () => {
    // Commands with subcommands get a valid one first, so the option is what is unknown.
    const subcommand: Record<string, string> = { 'scripts/eval.ts': 'detect', 'scripts/models.ts': 'status', 'scripts/train.ts': 'classifier' };
    const runs = await eachLimited(commands, ([script]) => runScript(script, [...(subcommand[script] ? [subcommand[script]] : []), '--no-such-option']));
    for (const [i, [script, name]] of commands.entries()) {
      const run = runs[i]!;
      expect(run.code, `${script}: ${run.stderr}`).toBe(2);
      const [first, second] = run.stderr.split('\n');
      expect(first, script).toBe(`${name === 'start' ? 'npm start' : `npm run ${name}`}: unknown option --no-such-option`);
      expect(second, script).toMatch(/^usage:/);
      expect(run.stdout, script).toBe('');
      noStackTrace(run);
    }
  });

  it('a missing value, a value where none is taken, a stray argument and a missing command name what is wrong', async () => {
    const [noValue, flagValue, stray, noCommand, unknownCommand] = await Promise.all([
      runScript('scripts/detect.ts', ['photo.jpg', '--out']),
      runScript('scripts/survey-upload.ts', ['dir', '--json=yes']),
      runScript('scripts/dispatch-worker.ts', ['extra']),
      runScript('scripts/eval.ts', []),
      runScript('scripts/models.ts', ['check']),
    ]);
    expect([noValue.code, noValue.stderr.split('\n')[0]]).toEqual([2, 'npm run detect: option --out needs a value']);
    expect([flagValue.code, flagValue.stderr.split('\n')[0]]).toEqual([2, 'npm run survey:upload: option --json takes no value']);
    expect([stray.code, stray.stderr.split('\n')[0]]).toEqual([2, 'npm run dispatch:worker: unexpected argument "extra"']);
    expect([noCommand.code, noCommand.stderr.split('\n')[0]]).toEqual([2, expect.stringMatching(/^npm run eval: a command is needed: detect, rules\b/)]);
    expect([unknownCommand.code, unknownCommand.stderr.split('\n')[0]]).toEqual([2, 'npm run models: unknown command "check" (one of validate, status, register, promote, rollback, queue-detector)']);
    for (const run of [noValue, flagValue, stray, noCommand, unknownCommand]) {
      expect(run.stderr.split('\n')[1]).toMatch(/^usage:/);
      noStackTrace(run);
    }
    // A subcommand's --help is the command's usage too.
    const help = await runScript('scripts/eval.ts', ['rules', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringMatching(/^usage:\n {2}npm run eval -- detect/)]);
  });

  it('a camera worker refuses a batch of frames that is not a whole number of at least 1', async () => {
    for (const bad of ['0', '2.5', 'many']) {
      const run = await runScript('scripts/camera-worker.ts', ['--detector-batch', bad]);
      expect([run.code, run.stderr.split('\n')[0]]).toEqual([2, `npm run cameras: --detector-batch must be a whole number of frames, at least 1, got "${bad}"`]);
      noStackTrace(run);
    }
  });

  it('turns each of parseArgs’ errors into a short line', () => {
    const err = (code: string, message: string) => Object.assign(new TypeError(message), { code });
    expect(describeParseError(err('ERR_PARSE_ARGS_UNKNOWN_OPTION', "Unknown option '-x'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"-x\"'"))).toBe('unknown option -x');
    expect(describeParseError(err('ERR_PARSE_ARGS_INVALID_OPTION_VALUE', "Option '-o, --out <value>' argument missing"))).toBe('option --out needs a value');
    expect(describeParseError(err('ERR_PARSE_ARGS_INVALID_OPTION_VALUE', "Option '--out <value>' argument is ambiguous.\nDid you forget to specify the option argument for '--out'?"))).toBe('option --out needs a value');
  });
});
