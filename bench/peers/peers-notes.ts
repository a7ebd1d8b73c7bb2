import type { PeersConfig } from './config.js';

/**
 * The hand-checked prose of the doc's peers section: what each row runs, with which settings, and what
 * makes its comparison unfair; and what to expect beyond this machine. Kept beside the generator so that
 * it changes with the code it describes.
 */
export function systemNotes(c: PeersConfig, redisPersistence: string): string {
  const k = (x: number): string => x.toLocaleString('en-US');
  return `- **raw amqplib, golevelup's message** (\`raw-min\`): amqplib \`ConfirmChannel.publish\` of \`{"sentAt":…}\` (~28 bytes),
  persistent, no other property, not \`mandatory\`: what golevelup puts on the wire, sent with no library around it. The floor of
  any message queue client on this broker, and golevelup's own ceiling.
- **raw amqplib, bare JSON body, no headers** (\`raw-bare\`, the issue's ceiling): \`npm run bench\`'s reference
  agent. The same code publishing the body \`[[sentAt], {}, {embed}]\` (~95 bytes), persistent, \`mandatory\`, content type and
  encoding, to the default exchange; the consumer \`JSON.parse\`s it and acks each message. It carries no task name, id or
  protocol header: no worker could route it to a task, so it does less than any task system. Every target and
  every latency pair is measured against it.
- **raw amqplib, Celeriac's exact messages** (\`raw\`): the same code also sending the Celery protocol 2 header table
  Celeriac sends by default (\`task\`, \`id\`, \`ignore_result\`), correlation id and priority, built by hand per message; its
  consumer looks the task up by its \`task\` header. Its distance to \`raw-bare\` is what the protocol costs any client;
  Celeriac's distance to it is the library's own.
- **Celeriac**: \`TaskClient.send(name, [sentAt], {}, { ignoreResult: true })\` in a Nest application context, and a worker built
  like \`runWorker()\` (\`TaskQueueServer\` as the microservice strategy) with a no-op \`@Task({ ignoreResult: true })\`, the default
  async pool with \`concurrency\` = \`prefetch\` = ${c.prefetch}; imported from \`celeriac\` as a user does. Celery protocol 2 on the wire
  (Python Celery can run these tasks); its worker acks finished deliveries in batches.
- **@golevelup/nestjs-rabbitmq**: \`AmqpConnection.publish('', queue, { sentAt }, { persistent: true })\` (its channel is an
  amqp-connection-manager confirm channel: the promise settles on the confirm; not \`mandatory\`), and a \`@RabbitSubscribe\`
  handler on a provider with \`prefetchCount: ${c.prefetch}\`, acked by the library when the handler returns. The message is the
  JSON of the payload object with no headers: \`raw-min\` plus Nest's handler dispatch, nothing a Celery worker could run. It
  brings its own amqplib (0.10, its dependency) where raw amqplib and Celeriac use the workspace's. Its module connects and
  subscribes while the Nest app initialises, so its drain clock includes building that small app (tens of ms); the others build
  theirs before the clock starts.
- **@golevelup/nestjs-rabbitmq, Celeriac's exact messages** (\`golevelup-celery\`): the same golevelup code publishing the
  body, header table, correlation id, priority and \`mandatory\` flag that Celeriac publishes (a Buffer with those options), its
  handler checking the \`task\` header: the like-for-like row, where both libraries carry the same bytes and Celeriac ÷ it is
  what one library costs against the other.
- **BullMQ** on the local Redis: \`Queue.add(name, { sentAt })\`, one call per task (each settles when Redis has run the Lua
  script that stores the job), and a \`Worker\` with \`concurrency: ${c.prefetch}\` that marks a job completed when its processor
  resolves; completed jobs are removed at once (\`removeOnComplete: { count: 0 }\`) as an acked message is, where BullMQ's
  default keeps them. Its "broker CPU" is redis-server's. **Redis holds the jobs in memory**: this Redis has
  ${redisPersistence}, so an "enqueued" job is in RAM only, where RabbitMQ writes persistent messages to disk before it
  confirms them; a job is also several Redis keys and stream entries (the job hash, the wait list, the events stream), where a
  message is one queue entry. BullMQ also has \`addBulk\` (many jobs in one round trip), not measured here: the like-for-like
  row is one \`add\` per task, as Celeriac's \`send\` is one publish.
- **Nest's RMQ transport** (\`@nestjs/microservices\`, \`Transport.RMQ\`): \`ClientProxy.emit(pattern, { sentAt })\` with
  \`persistent: true\` (its default is transient); its channel is an amqp-connection-manager confirm channel, so \`emit()\` completes
  on the confirm (not \`mandatory\`). The server runs \`@EventPattern\` on a controller with \`noAck: false\` (its default acks every
  delivery as it arrives, before the handler) and \`prefetchCount: ${c.prefetch}\`; the handler acks its message
  (\`context.getChannelRef().ack(context.getMessage())\`), as Nest's documentation shows. The message is Nest's JSON envelope
  \`{ pattern, data }\`, no headers.
- **Python Celery 5.2.6** from Debian: \`noop.apply_async(args=[sentAt], ignore_result=True)\` with the broker transport
  option \`confirm_publish=True\` (py-amqp then waits for each publish's confirm: one publish in flight, never a window of
  ${k(c.window)}, so its enqueue is paced by the broker's round trip and disk), and \`celery worker --pool=solo --concurrency=1\` with
  \`worker_prefetch_multiplier=${c.prefetch}\` and \`task_acks_late=True\` (ack after the task), \`--without-gossip --without-mingle
  --without-heartbeat\`, remote control off, log level WARNING (at INFO it logs two lines per task). One task at a time in one
  Python process, where the Node workers interleave ${c.prefetch}. It runs ${k(c.celeryTasks)} tasks per phase instead of
  ${k(c.tasks)} (its producer sends a few hundred per second); rates and CPU are per task, so they compare as they are. Its drain
  clock starts at the worker's \`worker_init\` signal, before it connects; its CPU is the Python process's own
  (\`time.process_time()\`); a fresh worker process runs each phase.`;
}

export const BEYOND_THIS_MACHINE = `These numbers come from a 2-core machine where RabbitMQ (or Redis), the producers and the workers share
the same two cores, so every row is partly a measure of how much CPU each side leaves the broker.

- **Bigger machines.** A classic queue is one Erlang process: one queue's throughput is bounded by what that process does
  per message on one core (queueing, handing persistent messages to the store, delivering, tracking acks), whatever the core
  count; the connections, channels and message store run in processes of their own and use the other cores. More cores
  raise the total across queues more than one queue's ceiling. The clients scale out: more worker processes or replicas (each a
  Node process on its own core) add throughput until the queue's process is busy; more producer processes help while a
  producer's confirm round trip, not the broker, is what limits it. Expect the CPU cost per task (the µs columns) to carry over
  from machine to machine much better than the rates, and the ratios between systems to hold roughly while the broker is not
  starved of CPU by the clients.
- **A cluster.** A classic queue lives on one node; a client connected to another node has its messages relayed between
  nodes, which costs both nodes CPU and adds latency: connect producers and workers to the queue's node, or spread queues over
  nodes. Quorum queues replicate every message to a majority of nodes (Raft) before confirming, so one quorum queue costs
  more per message than a classic queue on one node, in CPU, network and latency, and gives up less on a node failure.
  Throughput grows with the number of queues spread over the nodes, not with the nodes behind one queue. Redis (BullMQ) runs
  every command on one thread per instance: one core bounds all of its queues, and a Redis Cluster spreads queues, not one
  queue.`;
