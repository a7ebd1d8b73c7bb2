import { slugArgs } from './slug-schema.js';

const check = (value: unknown): unknown => slugArgs['~standard'].validate(value);

describe('slugArgs', () => {
  it('accepts one slug', () => {
    expect(check(['hello-world'])).toEqual({ value: ['hello-world'] });
  });

  it('refuses what is not one slug, saying why', () => {
    expect(check(['Hello World'])).toEqual({
      issues: [{ message: 'expected a slug like "hello-world"', path: [0] }],
    });
    expect(check([])).toEqual({ issues: [{ message: 'expected exactly one argument, the slug' }] });
    expect(check('hello-world')).toEqual({
      issues: [{ message: 'expected exactly one argument, the slug' }],
    });
  });
});
