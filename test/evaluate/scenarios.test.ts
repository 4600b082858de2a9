// Scenario files for `eval rules`: what a valid one gives, and errors that name the file, the
// line and the field of a malformed one.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenarioFile, ScenarioFileError } from '../../models/evaluate/scenarios.ts';

const errorOf = (text: string, file: string): string => {
  try {
    parseScenarioFile(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioFileError);
    return (error as Error).message;
  }
  throw new Error('no error');
};

describe('parseScenarioFile', () => {
  it('reads stills, videos and frame folders, with paths relative to the file', () => {
    const file = '/data/eval/scenarios.yaml';
    const { scenarios } = parseScenarioFile(
      [
        'scenarios:',
        '  - name: kerb',
        '    still: ../img/dog.jpg',
        '    seconds: 120',
        '    camera: cams/kerb.json',
        '    start: 2026-05-04T09:00:00+08:00',
        '    expect:',
        '      - { type: illegal_parking, zone: kerb, within: [300, 330] }',
        '      - { type: illegal_parking, zone: lane, within: any, count: 2 }',
        '      - { none: street_vending }',
        '  - video: plaza.mp4',
        '    camera: /etc/cams/plaza.json',
        '    expect: []',
        '  - frames: seq',
        '    fps: 2',
        '    camera: cams/kerb.json',
        '    expect: []',
      ].join('\n'),
      file,
    );
    expect(scenarios).toHaveLength(3);
    const [kerb, plaza, seq] = scenarios;
    expect(kerb!.source).toEqual({ kind: 'still', path: path.resolve('/data/img/dog.jpg'), seconds: 120, fps: 5 });
    expect(kerb!.camera).toBe(path.resolve('/data/eval/cams/kerb.json'));
    expect(kerb!.start.toISOString()).toBe('2026-05-04T01:00:00.000Z');
    expect(kerb!.expected).toEqual([
      { type: 'illegal_parking', zone: 'kerb', window: { from: 300, to: 330 } },
      { type: 'illegal_parking', zone: 'lane' },
      { type: 'illegal_parking', zone: 'lane' },
    ]);
    expect(kerb!.expectedLines).toEqual([8, 9, 9]);
    expect(kerb!.none).toEqual(['street_vending']);
    expect(plaza!.name).toBe('scenario 2');
    expect(plaza!.source).toEqual({ kind: 'video', path: path.resolve('/data/eval/plaza.mp4') });
    expect(plaza!.camera).toBe(path.resolve('/etc/cams/plaza.json'));
    expect(seq!.source).toEqual({ kind: 'frames', dir: path.resolve('/data/eval/seq'), fps: 2 });
  });

  it('names file, line and field of a bad value in JSON', () => {
    const text = `{
  "scenarios": [
    {
      "name": "kerb",
      "video": "kerb.mp4",
      "camera": "kerb.json",
      "expect": [
        { "type": "illegal_parking", "zone": "kerb", "within": [60, 90] },
        { "type": "illegal_parking", "zone": "kerb", "within": [90, 60] }
      ]
    }
  ]
}`;
    expect(errorOf(text, 'sc.json')).toBe('sc.json:9: scenarios[0].expect[1].within: must be [from, to] seconds from the start (from ≤ to), or "any"');
    expect(errorOf(text.replace('"type": "illegal_parking", "zone": "kerb", "within": [90', '"type": "parking", "zone": "kerb", "within": [90'), 'sc.json')).toMatch(
      /^sc\.json:9: scenarios\[0\]\.expect\[1\]\.type: must be one of street_vending, illegal_parking, /,
    );
  });

  it('reads footage compositions, which carry their own length and frame rate', () => {
    const { scenarios } = parseScenarioFile(
      ['scenarios:', '  - name: queue', '    compose: street/queue.json', '    camera: cams/kerb.json', '    expect: [{ none: illegal_parking }]'].join('\n'),
      '/data/eval/scenarios.yaml',
    );
    expect(scenarios[0]!.source).toEqual({ kind: 'compose', path: path.resolve('/data/eval/street/queue.json') });
    expect(scenarios[0]!.none).toEqual(['illegal_parking']);
    const bad = (extra: string) => errorOf(['scenarios:', '  - compose: q.json', '    camera: c.json', extra, '    expect: []'].join('\n'), 'sc.yaml');
    expect(bad('    seconds: 30')).toBe('sc.yaml:4: scenarios[0].seconds: only for a "still" (a composition says how long it lasts)');
    expect(bad('    fps: 2')).toBe('sc.yaml:4: scenarios[0].fps: only for "frames" or a "still" (a composition has its own frame rate)');
    expect(bad('    video: v.mp4')).toMatch(/^sc\.yaml:2: scenarios\[0\]\.compose: give exactly one of "video", "still" \(with "seconds"\), "frames" \(with "fps"\) or "compose"/);
  });

  it('names the line of a JSON syntax error', () => {
    expect(errorOf('{\n  "scenarios": [\n    { "name": "x", }\n  ]\n}', 'bad.json')).toMatch(/^bad\.json:3: not valid JSON/);
  });

  it('names file, line and field in YAML: unknown fields, a still without seconds, a missing camera', () => {
    const base = ['scenarios:', '  - name: kerb', '    still: dog.jpg', '    seconds: 60', '    camera: cam.json', '    expect: []'];
    expect(errorOf([...base.slice(0, 5), '    expct: []'].join('\n'), 'sc.yaml')).toBe(
      'sc.yaml:6: scenarios[0].expct: unknown field (allowed: name, video, still, seconds, frames, fps, compose, camera, start, expect, note)',
    );
    expect(errorOf(base.filter((l) => !l.includes('seconds')).join('\n'), 'sc.yaml')).toBe('sc.yaml:2: scenarios[0].seconds: a "still" needs "seconds": how long the picture is shown');
    expect(errorOf(base.filter((l) => !l.includes('camera')).join('\n'), 'sc.yaml')).toMatch(/^sc\.yaml:2: scenarios\[0\]\.camera: must be the path of a camera config file/);
    expect(errorOf([...base.slice(0, 3), '    video: x.mp4', ...base.slice(3)].join('\n'), 'sc.yaml')).toMatch(/^sc\.yaml:3: scenarios\[0\]\.still: give exactly one of "video", "still"/);
    expect(errorOf([...base.slice(0, 5), '    start: tomorrow', '    expect: []'].join('\n'), 'sc.yaml')).toMatch(/^sc\.yaml:6: scenarios\[0\]\.start: must be an ISO date-time/);
    expect(errorOf([...base.slice(0, 5), '    expect:', '      - none: street_vending', '        zone: kerb'].join('\n'), 'sc.yaml')).toMatch(
      /^sc\.yaml:8: scenarios\[0\]\.expect\[0\]\.zone: not with "none"/,
    );
    expect(errorOf('scenarios:\n  - name: a\n    still: [1,\n', 'sc.yaml')).toMatch(/^sc\.yaml:\d+: not valid YAML/);
  });
});
