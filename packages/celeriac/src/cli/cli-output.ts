import { styleText } from 'node:util';

/** How a command prints: JSON for scripts, or text with colour and tables on a terminal only. */
export interface Output {
  readonly json: boolean;
  readonly colour: boolean;
  /** One line of text (already formatted). */
  line(text?: string): void;
  /** Any value as one line of JSON. */
  data(value: unknown): void;
  ok(text: string): string;
  bad(text: string): string;
  dim(text: string): string;
  table(headers: readonly string[], rows: readonly (readonly string[])[]): void;
}

export interface OutputOptions {
  readonly json?: boolean | undefined;
  /** Where text goes; `process.stdout` unless a test gives its own. */
  readonly write?: (text: string) => void;
  /** Colour and tables; defaults to whether stdout is a terminal (and `NO_COLOR` is not set). */
  readonly tty?: boolean;
}

export function createOutput(options: OutputOptions = {}): Output {
  const write =
    options.write ??
    ((text: string) => {
      process.stdout.write(text);
    });
  const tty = options.tty ?? (process.stdout.isTTY && !process.env['NO_COLOR']);
  const style = (format: Parameters<typeof styleText>[0], text: string): string =>
    tty ? styleText(format, text) : text;
  return {
    json: options.json ?? false,
    colour: tty,
    line: (text = '') => {
      write(`${text}\n`);
    },
    data: (value) => {
      write(`${JSON.stringify(value)}\n`);
    },
    ok: (text) => style('green', text),
    bad: (text) => style('red', text),
    dim: (text) => style('dim', text),
    table: (headers, rows) => {
      const widths = headers.map((header, i) =>
        Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
      );
      const format = (cells: readonly string[]): string =>
        cells
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd();
      write(`${style('bold', format(headers))}\n`);
      for (const row of rows) write(`${format(row)}\n`);
    },
  };
}
