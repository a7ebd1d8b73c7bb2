import { randomUUID } from 'node:crypto';
import { startClient, startWorker, type TestClient, type TestWorker } from '../support/apps.js';
import { FaultTasks, LEDGER } from '../faults/support/fault-tasks.js';
import { Ledger } from '../faults/support/ledger.js';
import { makeTestPki, TLS_LISTENER_CONF, type TestPki } from './support/certs.js';
import { exposedText, failingSend, failingWorkerBoot } from './support/failing-apps.js';
import { RabbitNode } from './support/rabbit-node.js';

/**
 * Issue 12, TLS: amqps:// with a CA, a client certificate and a server-name check, against a RabbitMQ
 * node this test starts with a TLS listener that requires a client certificate, all made here by
 * openssl. (The machine's broker is shared with other runs, so it is never reconfigured for this.) A
 * wrong CA, a wrong server name or no client certificate fail fast with an error that says so.
 */
describe('amqps:// with a CA, a client certificate and server-name checks', () => {
  let node: RabbitNode | undefined;
  let pki: TestPki;
  const apps: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    pki = await makeTestPki();
    node = await RabbitNode.start({
      name: 'tls',
      conf: TLS_LISTENER_CONF,
      extraPorts: ['tls'],
      files: { 'ca.pem': pki.ca, 'server.pem': pki.serverCert, 'server.key': pki.serverKey },
    });
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
    await node?.destroy();
  });

  /** The TLS listener, by the name its certificate carries. */
  const tlsUrl = (): string => `amqps://guest:guest@localhost:${node!.ports['tls']}/`;

  it('runs a task over mutual TLS, the broker verified against the test CA', async () => {
    const queue = `tls.${randomUUID().slice(0, 8)}`;
    const ledger = new Ledger();
    const options = {
      url: tlsUrl(),
      tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
      defaultQueue: queue,
    };
    const worker: TestWorker = await startWorker({ ...options, worker: { concurrency: 2 } }, [
      FaultTasks,
      { provide: LEDGER, useValue: ledger },
    ]);
    apps.push(worker);
    const client: TestClient = await startClient(options);
    apps.push(client);
    const result = await client.client.send('faults.record', [0]);
    expect(await result.get({ timeoutMs: 20_000 })).toBe(result.id);
    // The broker saw a TLS connection with our client certificate.
    const connections = await node!.ctl(['list_connections', 'ssl', 'peer_cert_subject']);
    expect(connections).toContain('celeriac-client');
  });

  it.each([
    [
      'a CA that did not sign the broker',
      { ca: 'other' },
      /self[- ]signed|unable to verify|unable to get/i,
    ],
    [
      'a server name the certificate does not carry',
      { servername: 'rabbit.example.com' },
      /altnames|does not match/i,
    ],
    [
      'no client certificate',
      { noClientCert: true },
      /certificate required|handshake|alert|socket hang up|ECONNRESET|closed/i,
    ],
  ])(
    'refuses %s, fast and saying why',
    async (_name, variant: { ca?: string; servername?: string; noClientCert?: boolean }, why) => {
      const tls = {
        ca: variant.ca === 'other' ? pki.otherCa : pki.ca,
        ...(variant.noClientCert ? {} : { cert: pki.clientCert, key: pki.clientKey }),
        ...(variant.servername ? { servername: variant.servername } : {}),
      };
      const boot = await failingWorkerBoot({
        url: tlsUrl(),
        tls,
        connectTimeoutMs: 3_000,
        reconnectDelayMs: 200,
      });
      expect(boot.error).toBeInstanceOf(Error);
      expect((boot.error as Error).name).toBe('BrokerUnreachableError');
      expect((boot.error as Error).message).toMatch(why);
      expect(boot.elapsedMs).toBeLessThan(15_000);
      const send = await failingSend({
        url: tlsUrl(),
        tls,
        publishTimeoutMs: 3_000,
        reconnectDelayMs: 200,
      });
      expect((send.error as Error).message).toMatch(why);
      expect(send.elapsedMs).toBeLessThan(15_000);
      console.log(
        `TLS refusal (${_name}): worker boot after ${boot.elapsedMs} ms: ${(boot.error as Error).message}`,
      );
      expect(exposedText(boot)).not.toContain('guest:guest');
    },
  );
});
