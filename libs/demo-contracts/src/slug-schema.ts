import type { StandardSchemaV1 } from '@standard-schema/spec';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * The arguments of a task that takes one article slug, as a Standard Schema. Written by hand so the
 * demo depends on no validator; an app would use zod (`z.tuple([z.string().regex(SLUG)])`), valibot
 * or arktype, which all implement the same interface.
 */
export const slugArgs: StandardSchemaV1<unknown, [slug: string]> = {
  '~standard': {
    version: 1,
    vendor: 'celeriac-demo',
    validate(value) {
      if (!Array.isArray(value) || value.length !== 1) {
        return { issues: [{ message: 'expected exactly one argument, the slug' }] };
      }
      const [slug] = value as unknown[];
      if (typeof slug !== 'string' || !SLUG.test(slug)) {
        return { issues: [{ message: 'expected a slug like "hello-world"', path: [0] }] };
      }
      return { value: [slug] };
    },
  },
};
