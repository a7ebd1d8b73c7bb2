/** Tests a task name against one route key. */
export type TaskMatcher = (taskName: string) => boolean;

/** Characters that make a route key a glob rather than an exact task name. */
const GLOB_CHARS = /[*?[]/;

/**
 * Compiled globs, by pattern. Route keys come from configuration, so the cache stays as small as the
 * config, and resolving options then building routers from them compiles each glob once.
 */
const compiled = new Map<string, RegExp>();

/**
 * Compiles a route key to a matcher, with the semantics of Python's `fnmatch.fnmatchcase`: `*` matches any
 * run of characters, dots included (`'media.*'` matches `'media.video.encode'`), `?` one character,
 * `[abc]` / `[!abc]` one character in / not in the set, and the whole name must match. A key with none of
 * `*?[` matches only itself.
 *
 * (Celery's own `task_routes` globs differ: only `*` is special there, it needs at least one character, and
 * the match is not anchored at the end. Ours is the stricter, documented fnmatch behaviour.)
 *
 * @throws SyntaxError when a `[...]` set is invalid (a range such as `[z-a]`)
 */
export function compileTaskPattern(pattern: string): TaskMatcher {
  if (!GLOB_CHARS.test(pattern)) return (taskName) => taskName === pattern;
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    regex = globToRegExp(pattern);
    compiled.set(pattern, regex);
  }
  const re = regex;
  return (taskName) => re.test(taskName);
}

/** fnmatch's `translate`, for JavaScript: `u` so `?` takes a whole code point, `s` so `*` spans newlines. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob.charAt(i);
    i += 1;
    if (c === '*') {
      if (!source.endsWith('.*')) source += '.*';
    } else if (c === '?') {
      source += '.';
    } else if (c === '[') {
      const close = setEnd(glob, i);
      if (close === -1) {
        // An unclosed `[` is a literal, as in fnmatch.
        source += '\\[';
      } else {
        source += characterClass(glob.slice(i, close));
        i = close + 1;
      }
    } else {
      source += escapeLiteral(c);
    }
  }
  return new RegExp(`^(?:${source})$`, 'su');
}

/** Index of the `]` closing a set that opens before `start`, or -1; a `]` first in the set is a member. */
function setEnd(glob: string, start: number): number {
  let j = start;
  if (glob.charAt(j) === '!') j += 1;
  if (glob.charAt(j) === ']') j += 1;
  const close = glob.indexOf(']', j);
  return close;
}

function characterClass(body: string): string {
  const negated = body.startsWith('!');
  const members = (negated ? body.slice(1) : body).replace(/[\\\]^[]/g, '\\$&');
  return negated ? `[^${members}]` : `[${members}]`;
}

function escapeLiteral(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
