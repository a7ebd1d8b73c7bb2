import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  FIXTURES_DIR,
  REPO_ROOT,
  SHARED_FIXTURES_DIR,
} from '../../spec-support/celery-fixtures.js';

/** `sha256sum` lines, `<hash>  <file>`, recorded when the fixtures were copied in. */
const MANIFEST = path.resolve(REPO_ROOT, 'test/fixtures/celery-5.2.6.sha256');

function hashes(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((file) => {
      const hash = createHash('sha256')
        .update(readFileSync(path.join(dir, file)))
        .digest('hex');
      return `${hash}  ${file}`;
    });
}

describe('the captured Celery fixtures', () => {
  // They must never drift from what Python Celery produced: checked against the hashes recorded when
  // they were copied in, and against the shared originals too where the workspace has them.
  it('are byte for byte the messages captured from Celery 5.2.6', () => {
    const recorded = readFileSync(MANIFEST, 'utf8').trim().split('\n');
    const copy = hashes(FIXTURES_DIR);
    expect(copy.length).toBeGreaterThan(30);
    expect(copy).toEqual(recorded);
    if (existsSync(SHARED_FIXTURES_DIR)) expect(hashes(SHARED_FIXTURES_DIR)).toEqual(recorded);
  });
});
