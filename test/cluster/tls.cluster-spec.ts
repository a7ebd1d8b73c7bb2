import { createPrivateKey, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClient, startWorker, type TestClient, type TestWorker } from '../support/apps.js';
import { runCli } from '../support/cli.js';
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
  /** The PEMs as files, for the `celeriac` command line (which reads files, not PEM text). */
  let pemDir: string;
  const apps: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    pki = await makeTestPki();
    node = await RabbitNode.start({
      name: 'tls',
      conf: TLS_LISTENER_CONF,
      extraPorts: ['tls'],
      files: { 'ca.pem': pki.ca, 'server.pem': pki.serverCert, 'server.key': pki.serverKey },
    });
    pemDir = mkdtempSync(join(tmpdir(), 'celeriac-cli-tls-'));
    const encryptedKey = createPrivateKey(pki.clientKey).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: KEY_PASSPHRASE,
    });
    for (const [name, pem] of Object.entries({
      'ca.pem': pki.ca,
      'other-ca.pem': pki.otherCa,
      'client.pem': pki.clientCert,
      'client.key': pki.clientKey,
      'client-encrypted.key': encryptedKey,
    })) {
      writeFileSync(join(pemDir, name), pem);
    }
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
    await node?.destroy();
    if (pemDir) rmSync(pemDir, { recursive: true, force: true });
  });

  const KEY_PASSPHRASE = `key-pass-${randomUUID()}`;

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

  describe('the celeriac command line', () => {
    const nodeName = `cli-tls-${randomUUID().slice(0, 8)}@test`;
    /** `--tls-*` flags of the PEM files; the key's passphrase goes by environment only. */
    const pemFlags = (ca = 'ca.pem', key = 'client.key'): string[] => [
      ...['--tls-ca', join(pemDir, ca)],
      ...['--tls-cert', join(pemDir, 'client.pem')],
      ...['--tls-key', join(pemDir, key)],
    ];
    /** Nothing secret in what a failing command printed. */
    const expectNoSecrets = (text: string): void => {
      expect(text).not.toContain('guest:guest');
      expect(text).not.toContain(KEY_PASSPHRASE);
      expect(text).not.toContain('PRIVATE KEY');
    };

    beforeAll(async () => {
      const queue = `tls-cli.${randomUUID().slice(0, 8)}`;
      const worker = await startWorker(
        {
          url: tlsUrl(),
          tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
          defaultQueue: queue,
          worker: { queues: [queue], nodeName },
        },
        [],
      );
      apps.push(worker);
    });

    it('status and inspect ping answer over mutual TLS, the key encrypted', async () => {
      const env = { CELERIAC_TLS_PASSPHRASE: KEY_PASSPHRASE };
      const flags = ['--broker', tlsUrl(), ...pemFlags('ca.pem', 'client-encrypted.key')];
      const status = await runCli(['status', ...flags, '--timeout', '3'], env);
      expect(status.stderr).toBe('');
      expect(status.exitCode).toBe(0);
      expect(status.stdout).toContain(`-> ${nodeName}: OK`);
      const ping = await runCli(
        ['inspect', 'ping', '-d', nodeName, '--json', ...flags, '-t', '3'],
        env,
      );
      expect(JSON.parse(ping.stdout)).toEqual({ [nodeName]: { ok: 'pong' } });
    });

    it('takes the TLS settings from the environment too', async () => {
      const ping = await runCli(['inspect', 'ping', '-d', nodeName, '--json', '-t', '3'], {
        RABBITMQ_URL: tlsUrl(),
        CELERIAC_TLS_CA: join(pemDir, 'ca.pem'),
        CELERIAC_TLS_CERT: join(pemDir, 'client.pem'),
        CELERIAC_TLS_KEY: join(pemDir, 'client.key'),
      });
      expect(ping.stderr).toBe('');
      expect(JSON.parse(ping.stdout)).toEqual({ [nodeName]: { ok: 'pong' } });
    });

    it.each([
      [
        'a CA that did not sign the broker',
        () => pemFlags('other-ca.pem'),
        {},
        /TLS: .*(self[- ]signed|unable to verify|unable to get).*--tls-ca/i,
      ],
      [
        'a wrong passphrase of the key',
        () => pemFlags('ca.pem', 'client-encrypted.key'),
        { CELERIAC_TLS_PASSPHRASE: 'not-the-passphrase' },
        /TLS: cannot decrypt the --tls-key file .*CELERIAC_TLS_PASSPHRASE/,
      ],
      [
        'no client certificate',
        () => ['--tls-ca', join(pemDir, 'ca.pem')],
        {},
        /TLS: tlsv13 alert certificate required; the broker requires a client certificate: --tls-cert/,
      ],
    ])(
      'refuses %s, saying why and printing no secret',
      async (_name, flags: () => string[], env: Record<string, string>, why) => {
        const run = await runCli(['status', '--broker', tlsUrl(), ...flags(), '-t', '3'], env);
        expect(run.exitCode).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(
          /^celeriac status: cannot reach the broker at amqps:\/\/guest:\*\*\*@localhost:/,
        );
        expect(run.stderr).toMatch(why);
        expectNoSecrets(run.stderr);
        console.log(`CLI TLS refusal (${_name}): ${run.stderr.trim()}`);
      },
    );
  });
});
