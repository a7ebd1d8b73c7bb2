import amqplib, { type ChannelModel } from 'amqplib';
import { errorMessage } from '../errors/error-text.js';
import { redactUrl } from '../errors/redact-url.js';

/** The broker a command talks to: `--broker`, else `RABBITMQ_URL`, else RabbitMQ's local default. */
export function brokerUrl(option: string | undefined): string {
  return option ?? process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
}

/** A failure the command line reports as one line that says what to do, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Opens a plain connection for one command. A command line fails fast: it does not wait for a broker
 * that is down, it says so.
 */
export async function connectBroker(url: string): Promise<ChannelModel> {
  try {
    const connection = await amqplib.connect(url, { timeout: 5_000 });
    connection.on('error', () => undefined);
    return connection;
  } catch (err: unknown) {
    throw new CliError(`cannot reach the broker at ${redactUrl(url)}: ${why(err)}`);
  }
}

/** Runs `work` on a connection to the broker and closes it, whatever happens. */
export async function withBroker<T>(
  url: string,
  work: (connection: ChannelModel) => Promise<T>,
): Promise<T> {
  const connection = await connectBroker(url);
  try {
    return await work(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function why(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused; is RabbitMQ running?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'no such host; check the host name';
  if (code === 'ETIMEDOUT') return 'timed out; is the host reachable and the port open?';
  const text = errorMessage(err);
  if (/ACCESS_REFUSED|403/.test(text)) return 'access refused; check the user name and password';
  if (/NOT_ALLOWED|530/.test(text))
    return 'vhost not allowed; check the vhost exists and the user may use it';
  return text;
}
