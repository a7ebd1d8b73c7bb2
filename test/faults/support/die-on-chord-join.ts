import { Redis } from 'ioredis';

type SendCommand = Redis['sendCommand'];

/**
 * Arms a worker process to SIGKILL itself the moment it has counted a chord member: when Redis answers the
 * join script (it stores the count and adds the member to the chord's `.d` set in one atomic step), before
 * the worker's own code resumes to ack the member. So the broker redelivers a member whose result and count
 * are already in Redis. The kill is synchronous in the reply's first callback, registered before the
 * worker's own await, so no ack can slip in between (a notification over a second connection could arrive
 * after the ack). Patches the one ioredis module the worker and this helper share.
 */
export function dieOnChordJoin(): void {
  const original: SendCommand = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<SendCommand>) {
    const sent = original.apply(this, args);
    const [command] = args;
    const isJoin =
      (command.name === 'evalsha' || command.name === 'eval') &&
      command.args.some((arg) => String(arg).endsWith('.d'));
    if (isJoin) {
      command.promise.then(
        () => process.kill(process.pid, 'SIGKILL'),
        () => undefined,
      );
    }
    return sent;
  };
}
