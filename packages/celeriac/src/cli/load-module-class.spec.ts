import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModuleClass } from './load-module-class.js';

describe('loadModuleClass', () => {
  let dir: string;
  let file: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-cli-'));
    file = join(dir, 'worker.module.mjs');
    writeFileSync(
      file,
      'export class WorkerModule {}\nexport const notAClass = 1;\nexport default class DefaultModule {}\n',
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the class named after #', async () => {
    const loaded = await loadModuleClass(`${file}#WorkerModule`);
    expect(loaded.name).toBe('WorkerModule');
  });

  it('takes the default export without #', async () => {
    const loaded = await loadModuleClass(file);
    expect(loaded.name).toBe('DefaultModule');
  });

  it('names the exports the file has when the one asked for is not a class', async () => {
    await expect(loadModuleClass(`${file}#notAClass`)).rejects.toThrow(
      /has no class exported as "notAClass" \(its exports: .*\bWorkerModule\b.*\)/,
    );
  });

  it('says which file it could not load', async () => {
    await expect(loadModuleClass(`${join(dir, 'missing.mjs')}#WorkerModule`)).rejects.toThrow(
      /cannot load .*missing\.mjs/,
    );
  });

  it('refuses an empty file or export name', async () => {
    await expect(loadModuleClass('#WorkerModule')).rejects.toThrow(/expected <file>#<export>/);
    await expect(loadModuleClass(`${file}#`)).rejects.toThrow(/expected <file>#<export>/);
  });
});
