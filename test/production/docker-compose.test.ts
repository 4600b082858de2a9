// docker-compose.yml cannot be run here (no Docker engine on our machines), so it is checked the way
// `docker compose config` would reject it, plus what only this project knows: every command runs a
// script that exists, every variable is documented, every file the image copies is there.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/samples.ts';

const read = (f: string) => readFileSync(path.join(REPO_ROOT, f), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
};

// Service keys of the Compose specification that this file may use.
const SERVICE_KEYS = new Set(['build', 'image', 'command', 'environment', 'depends_on', 'volumes', 'ports', 'healthcheck', 'restart', 'deploy']);

describe('docker-compose.yml', () => {
  it('has the production shape: redis, minio, postgres, the API and pipeline workers', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'camera-worker', 'dispatch-worker', 'minio', 'postgres', 'redis', 'survey-worker']);
    expect(compose.services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });

  for (const [name, service] of Object.entries(compose.services)) {
    it(`${name}: known keys, an image, dependencies and volumes that exist`, () => {
      for (const key of Object.keys(service)) expect(SERVICE_KEYS, `${name}.${key}`).toContain(key);
      expect(service.image ?? service.build, `${name} needs image or build`).toBeDefined();
      for (const dep of Object.keys((service.depends_on as object | undefined) ?? {})) expect(compose.services, `${name} depends on ${dep}`).toHaveProperty(dep);
      for (const v of (service.volumes as string[] | undefined) ?? []) {
        const source = v.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/')) expect(compose.volumes, `${name} volume ${source}`).toHaveProperty(source);
      }
    });
  }

  it('runs only scripts that exist in the repository', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const command = service.command as string[] | undefined;
      const script = command?.find((part) => part.startsWith('scripts/'));
      if (service.build) expect(script && existsSync(path.join(REPO_ROOT, script)), `${name}: ${command?.join(' ')}`).toBe(true);
    }
  });

  it('documents every variable it reads in .env.example or the README', () => {
    const used = [...read('docker-compose.yml').matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]!);
    const documented = read('.env.example') + read('README.md');
    for (const v of new Set(used)) expect(documented, v).toContain(v);
  });
});

describe('Dockerfile', () => {
  it('copies only files that exist and builds the model rather than copying weights', () => {
    const dockerfile = read('Dockerfile');
    const sources = [...dockerfile.matchAll(/^COPY\s+(.+)\s+\S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    for (const s of sources) expect(existsSync(path.join(REPO_ROOT, s)), s).toBe(true);
    expect(dockerfile).toContain('scripts/import-models.ts');
    expect(read('.dockerignore')).toMatch(/^models\/generated$/m);
  });
});
