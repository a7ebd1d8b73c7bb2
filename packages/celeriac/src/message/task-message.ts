/**
 * Celery message protocol 2, as our code sees it. Wire names (snake_case) stay on the wire types
 * (`SignatureWire`, `TaskEmbedWire`) because Python builds and reads them; everything else is camelCase.
 * See ../shared/docs/celery-protocol.md §2–§5.
 */

/** The value of the `lang` header we send. Python sends `"py"`; workers ignore it. */
export const TASK_LANG = 'js';

/** The content type every task and result uses. Celeriac speaks JSON only (like `accept_content=['json']`). */
export const JSON_CONTENT_TYPE = 'application/json';
export const UTF8 = 'utf-8';

/** Options a signature carries on the wire (`Signature.options`); every key is optional. */
export interface SignatureOptionsWire {
  task_id?: string;
  reply_to?: string;
  group_id?: string;
  group_index?: number;
  root_id?: string;
  parent_id?: string;
  chord?: SignatureWire;
  link?: SignatureWire[];
  link_error?: SignatureWire[];
  queue?: string;
  exchange?: string;
  routing_key?: string;
  priority?: number;
  countdown?: number;
  eta?: string;
  expires?: string | number;
  time_limit?: number;
  soft_time_limit?: number;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A Celery signature as it appears inside `embed` (celery-protocol.md §4). */
export interface SignatureWire {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: SignatureOptionsWire;
  subtask_type: string | null;
  immutable: boolean;
}

/** The third element of the body. Celery always sends all four keys, each null when unused. */
export interface TaskEmbedWire {
  callbacks: SignatureWire[] | null;
  errbacks: SignatureWire[] | null;
  chain: SignatureWire[] | null;
  chord: SignatureWire | null;
}

/** Hard and soft time limits in seconds (the `timelimit` header is `[hard, soft]`). */
export interface TimeLimits {
  readonly hard: number | null;
  readonly soft: number | null;
}

/** A task message, decoded from or about to be encoded to protocol 2. */
export interface TaskMessage {
  /** Task id (`id` header); also the `correlation_id`. */
  readonly id: string;
  /** Registered task name (`task` header). */
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly embed: TaskEmbedWire;
  /** Id of the first task of the workflow; equals `id` at top level. */
  readonly rootId: string;
  readonly parentId: string | null;
  /** Group id (`group` header). */
  readonly groupId: string | null;
  readonly groupIndex: number | null;
  /** Display name for logs and events (`shadow` header). */
  readonly shadow: string | null;
  /** Do not run before this instant. */
  readonly eta: Date | null;
  /** Do not run after this instant. */
  readonly expires: Date | null;
  /** How many times this task was already retried. */
  readonly retries: number;
  readonly timeLimit: TimeLimits;
  readonly ignoreResult: boolean;
  /** Sender node name, `gen<pid>@<host>`. */
  readonly origin: string | null;
  /** `lang` header: `py` from Python, `js` from us. */
  readonly lang: string | null;
  /** Headers beyond the sixteen protocol ones (custom `headers=`), as received. */
  readonly extraHeaders: Readonly<Record<string, unknown>>;
  /** AMQP `correlation_id`; the task id unless a sender chose otherwise. */
  readonly correlationId: string;
  /** AMQP `reply_to`: the rpc result queue; null when absent or empty. */
  readonly replyTo: string | null;
  /** AMQP `priority`; null when absent. */
  readonly priority: number | null;
}
