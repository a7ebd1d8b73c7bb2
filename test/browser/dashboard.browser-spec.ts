import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { deadLetterQueueName, Task, type TaskContext } from 'celeriac';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';
import {
  type DashboardApp,
  startDashboardApp,
  TEST_USER_HEADER,
  TestAdminGuard,
} from '../support/dashboard.js';
import { launchChromium } from './chromium.js';

/** Where the screenshots go; `npm run docs:screenshots` points it at docs/images. */
const SHOTS = process.env['DASHBOARD_SCREENSHOTS'] ?? '.test-results/dashboard';

class Flaky extends Error {
  override readonly name = 'Flaky';
}

class CardDeclined extends Error {
  override readonly name = 'CardDeclined';
}

@Injectable()
class ShopTasks {
  @Task({ name: 'orders.charge', params: ['orderId', 'cents'] })
  charge(orderId: string, cents: number): never {
    throw new CardDeclined(`card declined for ${orderId} (${cents} cents)`);
  }

  @Task({ name: 'emails.send', autoretryFor: [Flaky], retryBackoff: 0.05, retryJitter: false })
  send(to: string, ctx: TaskContext): string {
    if (ctx.retries < 2) throw new Flaky(`SMTP busy (attempt ${ctx.retries + 1})`);
    return `sent to ${to}`;
  }

  @Task({ name: 'reports.build', params: ['month'] })
  async build(month: string, ctx: TaskContext): Promise<string> {
    // Runs until revoked with terminate (or 30 s, so a broken test cannot hold the worker).
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return `report ${month}`;
  }

  @Task('thumbnails.make')
  make(image: string): string {
    return `${image}.thumb.png`;
  }
}

describe('the dashboard in a real browser (Debian chromium)', () => {
  const queue = uniqueName('shop');
  const node = `worker1@${queue}`;
  let worker: TestWorker;
  let api: DashboardApp;
  let probe: BrokerProbe;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    probe = await BrokerProbe.open();
    worker = await startWorker(
      {
        defaultQueue: queue,
        events: { taskEvents: true },
        revocation: { terminateGraceMs: 300 },
        // One task at a time, the rest waiting in the prefetch: a task the page can revoke before it starts.
        worker: { queues: [queue], nodeName: node, concurrency: 1, prefetch: 4 },
      },
      [ShopTasks],
    );
    api = await startDashboardApp({ defaultQueue: queue }, [
      { path: 'tasks', guards: [TestAdminGuard], refreshMs: 1_000 },
    ]);
    browser = await launchChromium();
    // The app's guard wants its header on every request, the page's fetches and EventSource included.
    context = await browser.newContext({
      extraHTTPHeaders: { [TEST_USER_HEADER]: 'admin' },
      viewport: { width: 1280, height: 800 },
    });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await context.close();
    await browser.close();
    await api.close();
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  // A failed step must not leave the modal task dialog over the tabs for the steps after it.
  beforeEach(async () => {
    if (page.url().startsWith('http')) await page.keyboard.press('Escape');
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const row = (id: string) => page.locator(`#tasks tr[data-task-id="${id}"]`);

  it('shows the worker live, with its pool and queue', async () => {
    await page.goto(`${api.origin}/tasks#workers`);
    await page.locator('#status.live').waitFor();
    const card = page.locator(`[data-worker="${node}"]`);
    await card.locator('.badge.online').waitFor({ timeout: 15_000 });
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).toContain(queue);
    await worker.client.send('thumbnails.make', ['cat.jpg']);
    await worker.client.send('thumbnails.make', ['dog.jpg']);
    await page.locator('#queues').waitFor({ state: 'attached' });
    await shot('dashboard-workers');
  });

  it('clicks through a failed task to its exception and traceback, and a retried one to its timeline', async () => {
    const failed = await worker.client.send('orders.charge', ['A-1042', 1999]);
    const retried = await worker.client.send('emails.send', ['ada@example.com']);
    await retried.get({ timeoutMs: 15_000 });
    await page.click('a[data-tab="tasks"]');
    await row(failed.id).locator('.badge.FAILURE').waitFor({ timeout: 15_000 });
    await shot('dashboard-tasks');

    await row(failed.id).click();
    const dialog = page.locator('#task-dialog');
    await dialog.waitFor();
    expect(await dialog.locator('[data-field="exception"]').textContent()).toBe(
      "CardDeclined('card declined for A-1042 (1999 cents)')",
    );
    expect(await dialog.locator('[data-field="args"]').textContent()).toBe("('A-1042', 1999)");
    expect(await page.locator('#task-traceback').textContent()).toContain(
      'CardDeclined: card declined for A-1042',
    );
    await shot('dashboard-task-failed');
    await page.keyboard.press('Escape');

    await row(retried.id).locator('.badge.SUCCESS').waitFor({ timeout: 10_000 });
    await row(retried.id).click();
    const timeline = page.locator('#task-timeline li');
    await expect
      .poll(() => timeline.allTextContents(), { timeout: 5_000 })
      .toEqual(
        expect.arrayContaining([
          expect.stringContaining('retried'),
          expect.stringContaining('succeeded'),
        ]) as unknown,
      );
    expect((await timeline.allTextContents()).filter((t) => t.includes('SMTP busy'))).toHaveLength(
      2,
    );
    await shot('dashboard-task-retried');
    await page.keyboard.press('Escape');

    await page.fill('#q', failed.id.slice(0, 8));
    await expect.poll(() => page.locator('#tasks tbody tr').count()).toBe(1);
    await page.fill('#q', '');
  });

  it('replays a dead letter and purges the dead-letter queue', async () => {
    const dead = await worker.client.send('orders.charge', ['A-2001', 500]);
    await expect(dead.get({ timeoutMs: 10_000 })).rejects.toThrow();
    await page.click('a[data-tab="dead-letters"]');
    await page.locator(`#dlq-queue option[value="${queue}"]`).waitFor({ state: 'attached' });
    await page.selectOption('#dlq-queue', queue);
    const letter = page.locator(`#dead-letters tr[data-letter-id="${dead.id}"]`);
    await letter.waitFor({ timeout: 10_000 });
    expect(await letter.textContent()).toContain('task-failed');
    await shot('dashboard-dead-letters');

    await letter.locator('button.replay').click();
    await expect.poll(() => page.locator('#toast').textContent()).toContain('"replayed":1');
    // The replayed task ran again on the worker (and failed again): its timeline shows both runs.
    await page.click('a[data-tab="tasks"]');
    await row(dead.id).click();
    await expect
      .poll(() => page.locator('#task-timeline li', { hasText: 'failed' }).count(), {
        timeout: 10_000,
      })
      .toBe(2);
    await page.keyboard.press('Escape');

    await page.click('a[data-tab="dead-letters"]');
    await page.click('#dlq-purge');
    await page.locator('#dead-letters td.empty').waitFor({ timeout: 10_000 });
    expect(await probe.depth(deadLetterQueueName(queue))).toBe(0);
  });

  it('revokes a waiting task and terminates a running one', async () => {
    const running = await worker.client.send('reports.build', ['2026-11']);
    const waiting = await worker.client.send('reports.build', ['2026-12']);
    await page.click('a[data-tab="tasks"]');
    await row(running.id).locator('.badge.STARTED').waitFor({ timeout: 10_000 });
    await row(waiting.id).locator('.badge.RECEIVED').waitFor({ timeout: 10_000 });

    await row(waiting.id).click();
    await page.click('#task-revoke');
    await expect.poll(() => page.locator('#toast').textContent()).toContain('Revoke:');
    await page.keyboard.press('Escape');

    await row(running.id).click();
    await page.click('#task-terminate');
    await page.locator('#task-title .badge.REVOKED').waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    // The slot freed, the revoked one is refused instead of run.
    await row(waiting.id).locator('.badge.REVOKED').waitFor({ timeout: 10_000 });
  });

  it('changes a rate limit from the page', async () => {
    await page.click('a[data-tab="workers"]');
    await page.fill('#rate-task', 'thumbnails.make');
    await page.fill('#rate-value', '10/s');
    await page.click('#rate-form button[type="submit"]');
    await expect
      .poll(() => page.locator('#toast').textContent(), { timeout: 5_000 })
      .toContain(`${node}: new rate limit set successfully`);
  });

  it('stays usable on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    if (await page.locator('#toast').isVisible()) await page.click('#toast');
    await page.click('a[data-tab="tasks"]');
    await page.locator('#tasks tbody tr').first().waitFor();
    // No sideways scrolling: the table turned into cards.
    // The page's own code, as a string: this file is compiled without the DOM's types.
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('dashboard-phone');
  });
});
