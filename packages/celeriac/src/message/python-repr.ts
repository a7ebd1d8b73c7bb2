/**
 * Python-style `repr()` text for the `argsrepr` and `kwargsrepr` headers (celery-protocol.md §3).
 *
 * These headers are only read by humans: worker logs, Flower, events. Celery builds them with its
 * `saferepr(value, 1024)`, so we mimic that: Python literals (`None`, `True`, `'text'`, tuples for the args),
 * containers nested deeper than three levels shown as `[...]` / `{...}`, and at most 1024 characters.
 * Nobody may parse them back, so being close to Python is enough; the JSON body is the real data.
 */

/** Celery's `argsrepr_maxsize` / `kwargsrepr_maxsize`. */
export const REPR_MAX_LENGTH = 1024;

/** saferepr's default `maxlevels`: deeper containers are elided. */
const MAX_LEVELS = 3;

const ELLIPSIS = '...';

/** Collects output and stops caring once it is longer than the limit, so huge args cost little. */
class ReprWriter {
  private readonly parts: string[] = [];
  private length = 0;

  constructor(private readonly limit: number) {}

  get full(): boolean {
    return this.length > this.limit;
  }

  write(text: string): void {
    if (!this.full) {
      this.parts.push(text);
      this.length += text.length;
    }
  }

  /** The text, cut to the limit with a trailing `...` if it was longer. */
  result(): string {
    const text = this.parts.join('');
    if (text.length <= this.limit) {
      return text;
    }
    let end = this.limit - ELLIPSIS.length;
    // Do not split a surrogate pair: that would leave a lone surrogate, which is not valid UTF-8.
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      end -= 1;
    }
    return text.slice(0, end) + ELLIPSIS;
  }
}

/** A JS string as a Python string literal, quoted like Python does. */
export function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') {
      out += `\\${ch}`;
    } else if (ch === '\n') {
      out += '\\n';
    } else if (ch === '\r') {
      out += '\\r';
    } else if (ch === '\t') {
      out += '\\t';
    } else if (code < 0x20 || (code >= 0x7f && code <= 0xa0)) {
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // A lone surrogate (for...of yields well-formed pairs as one character).
      out += `\\u${code.toString(16)}`;
    } else {
      out += ch;
    }
  }
  return out + quote;
}

function numberRepr(n: number): string {
  if (Number.isNaN(n)) {
    return 'nan';
  }
  if (!Number.isFinite(n)) {
    return n > 0 ? 'inf' : '-inf';
  }
  return String(n);
}

function writeValue(out: ReprWriter, value: unknown, level: number, seen: Set<object>): void {
  if (out.full) {
    return;
  }
  switch (typeof value) {
    case 'string':
      out.write(pythonStringRepr(value));
      return;
    case 'number':
      out.write(numberRepr(value));
      return;
    case 'bigint':
      out.write(value.toString());
      return;
    case 'boolean':
      out.write(value ? 'True' : 'False');
      return;
    case 'undefined':
      out.write('None');
      return;
    case 'object':
      break;
    default:
      // Functions and symbols never reach the JSON body either; show something readable.
      out.write(pythonStringRepr(String(value)));
      return;
  }
  if (value === null) {
    out.write('None');
    return;
  }
  if (value instanceof Date) {
    // The JSON body carries a Date as its ISO string, so show that string.
    out.write(
      pythonStringRepr(Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()),
    );
    return;
  }
  if (Array.isArray(value)) {
    writeSequence(out, value as readonly unknown[], '[', ']', level, seen);
    return;
  }
  writeMapping(out, value, level, seen);
}

function writeSequence(
  out: ReprWriter,
  items: readonly unknown[],
  open: string,
  close: string,
  level: number,
  seen: Set<object>,
): void {
  if (level > MAX_LEVELS || seen.has(items)) {
    out.write(`${open}...${close}`);
    return;
  }
  seen.add(items);
  out.write(open);
  items.forEach((item, i) => {
    if (i > 0) {
      out.write(', ');
    }
    writeValue(out, item, level + 1, seen);
  });
  // A one-element tuple needs its trailing comma: (4,)
  if (open === '(' && items.length === 1) {
    out.write(',');
  }
  out.write(close);
  seen.delete(items);
}

function writeMapping(out: ReprWriter, value: object, level: number, seen: Set<object>): void {
  if (level > MAX_LEVELS || seen.has(value)) {
    out.write('{...}');
    return;
  }
  seen.add(value);
  out.write('{');
  Object.entries(value).forEach(([key, item], i) => {
    if (i > 0) {
      out.write(', ');
    }
    out.write(pythonStringRepr(key));
    out.write(': ');
    writeValue(out, item, level + 1, seen);
  });
  out.write('}');
  seen.delete(value);
}

/** Python `repr()` of a value, cut at `maxLength` characters. */
export function pythonRepr(value: unknown, maxLength: number = REPR_MAX_LENGTH): string {
  const out = new ReprWriter(maxLength);
  writeValue(out, value, 1, new Set());
  return out.result();
}

/** The args as text when they are a few finite numbers (holes and anything else: undefined). */
function finiteNumbers(args: readonly unknown[]): string[] | undefined {
  if (args.length > 4) return undefined;
  const texts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
    texts.push(String(value));
  }
  return texts;
}

/** The `argsrepr` header: positional args as a Python tuple, e.g. `(2, 3)` or `(4,)`. */
export function argsRepr(args: readonly unknown[], maxLength: number = REPR_MAX_LENGTH): string {
  // Every send pays for this header; ids and counts as args are common enough to skip the writer.
  const numbers = finiteNumbers(args);
  if (numbers) {
    const text = numbers.length === 1 ? `(${numbers[0]},)` : `(${numbers.join(', ')})`;
    if (text.length <= maxLength) return text;
  }
  const out = new ReprWriter(maxLength);
  writeSequence(out, args, '(', ')', 1, new Set());
  return out.result();
}

/** The `kwargsrepr` header: keyword args as a Python dict. */
export function kwargsRepr(
  kwargs: Readonly<Record<string, unknown>>,
  maxLength: number = REPR_MAX_LENGTH,
): string {
  if (Object.keys(kwargs).length === 0) return '{}';
  return pythonRepr(kwargs, maxLength);
}
