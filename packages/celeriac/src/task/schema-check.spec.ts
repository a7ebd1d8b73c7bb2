import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import { checkWithSchema } from './schema-check.js';

/** A hand-written Standard Schema whose validate answers with a promise, as some libraries do. */
const asyncPositive: StandardSchemaV1<unknown, number> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      Promise.resolve(
        typeof value === 'number' && value > 0
          ? { value }
          : { issues: [{ message: 'not positive' }] },
      ),
  },
};

describe('checkWithSchema', () => {
  it("returns the schema's output", async () => {
    await expect(checkWithSchema(z.tuple([z.coerce.number()]), ['42'])).resolves.toEqual({
      ok: true,
      value: [42],
    });
  });

  it("returns the schema's issues", async () => {
    const verdict = await checkWithSchema(z.tuple([z.string()]), [1]);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.issues.map((i) => i.path)).toEqual([[0]]);
  });

  it('waits for a schema that answers with a promise', async () => {
    await expect(checkWithSchema(asyncPositive, 3)).resolves.toEqual({ ok: true, value: 3 });
    await expect(checkWithSchema(asyncPositive, -3)).resolves.toEqual({
      ok: false,
      issues: [{ message: 'not positive' }],
    });
  });

  it('reports a schema that throws as an issue', async () => {
    const throwing: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw new Error('bad refine');
        },
      },
    };
    await expect(checkWithSchema(throwing, 1)).resolves.toEqual({
      ok: false,
      issues: [{ message: 'the schema threw: bad refine' }],
    });
  });
});
