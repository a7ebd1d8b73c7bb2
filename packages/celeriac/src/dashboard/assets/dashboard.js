// Celeriac's dashboard page: plain JavaScript, no build step. Everything it shows comes from the JSON API
// beside it (api/...) and the Server-Sent Events stream; every text goes in through textContent, never
// as HTML, so task arguments and tracebacks cannot inject markup.
'use strict';
(() => {
  const base = location.pathname.endsWith('/') ? location.pathname : `${location.pathname}/`;
  const $ = (id) => document.getElementById(id);
  const state = {
    session: null,
    overview: null,
    tasks: new Map(),
    open: null,
    dlq: [],
    dlqDepth: null,
  };

  /** Builds an element: el('td', { class: 'num', dataset: { label: 'Ready' } }, 'text', child...). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs ?? {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }
  const cell = (label, content, cls) => el('td', { class: cls ?? '', dataset: { label } }, content);
  const badge = (text, cls) => el('span', { class: `badge ${cls ?? text}` }, text);
  const when = (seconds) => (seconds ? new Date(seconds * 1000).toLocaleTimeString() : '');
  const ago = (seconds) =>
    seconds ? `${Math.max(0, Math.round(Date.now() / 1000 - seconds))} s ago` : 'never';
  const rate = (r) =>
    r === null || r === undefined
      ? ''
      : `${r > 0 ? '+' : r < 0 ? '−' : ''}${Math.abs(r).toFixed(1)}/s`;

  function toast(text, bad) {
    const box = $('toast');
    box.textContent = text;
    box.className = bad ? 'bad' : '';
    box.hidden = false;
    box.onclick = () => (box.hidden = true);
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (box.hidden = true), 5000);
  }

  async function api(path, body) {
    const init =
      body === undefined
        ? {}
        : {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              [state.session.csrfHeader]: state.session.csrfToken,
            },
            body: JSON.stringify(body),
          };
    const res = await fetch(base + path, { credentials: 'same-origin', ...init });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && data.message) || `${res.status} ${res.statusText}`);
    return data;
  }

  async function act(what, path, body) {
    try {
      const answer = await api(path, body);
      toast(`${what}: ${describe(answer)}`);
      return answer;
    } catch (err) {
      toast(`${what} failed: ${err.message}`, true);
      return null;
    }
  }
  const describe = (answer) => {
    if (answer && answer.replies) {
      const nodes = Object.entries(answer.replies);
      return nodes.length === 0
        ? 'no worker answered'
        : nodes.map(([n, r]) => `${n}: ${r.ok ?? r.error}`).join('; ');
    }
    return JSON.stringify(answer);
  };

  // ---- tabs ----
  function showTab() {
    const tab = location.hash.slice(1) || 'workers';
    for (const view of document.querySelectorAll('[data-view]'))
      view.hidden = view.dataset.view !== tab;
    for (const link of document.querySelectorAll('[data-tab]')) {
      if (link.dataset.tab === tab) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (tab === 'dead-letters') void loadDeadLetters();
  }

  // ---- workers and queues ----
  function renderOverview(o) {
    state.overview = o;
    $('no-events').hidden = o.taskEventsSeen > 0 || state.tasks.size > 0;
    $('problem').hidden = !o.problem;
    $('problem').textContent = o.problem ?? '';
    const online = o.workers.filter((w) => w.online).length;
    $('count-workers').textContent = `${online}/${o.workers.length}`;
    $('count-queues').textContent = String(o.queues.length);
    const dead = o.queues.reduce((n, q) => n + (q.deadDepth ?? 0), 0);
    $('count-dead').textContent = dead > 0 ? String(dead) : '';
    $('workers').replaceChildren(
      ...(o.workers.length
        ? o.workers.map(workerCard)
        : [el('p', { class: 'empty' }, 'No worker heard from yet.')]),
    );
    $('queues').tBodies[0].replaceChildren(
      ...o.queues.map((q) =>
        el(
          'tr',
          { dataset: { queue: q.name } },
          cell('Queue', q.name, 'mono'),
          cell('Ready', q.depth ?? 'missing', 'num'),
          cell('Trend', rate(q.depthRate), 'num'),
          cell('Consumers', q.consumers ?? '', 'num'),
          cell('Dead letters', q.deadDepth ?? '—', 'num'),
        ),
      ),
    );
    const names = new Set(o.workers.flatMap((w) => w.registered.map((r) => r.split(' ')[0])));
    $('task-names').replaceChildren(...[...names].sort().map((n) => el('option', { value: n })));
    const select = $('dlq-queue');
    const chosen = select.value;
    select.replaceChildren(
      ...o.queues
        .filter((q) => q.deadDepth !== null)
        .map((q) => el('option', { value: q.name }, `${q.name} (${q.deadDepth})`)),
    );
    if (chosen) select.value = chosen;
    // The open dead-letter list follows the queue's depth: reload it when letters came or went.
    const depth = o.queues.find((q) => q.name === select.value)?.deadDepth ?? null;
    if (location.hash === '#dead-letters' && depth !== state.dlqDepth) void loadDeadLetters();
    state.dlqDepth = depth;
  }

  function workerCard(w) {
    const pool = w.pool
      ? [
          w.pool['implementation'] ?? w.pool['kind'],
          w.pool['max-concurrency'] ?? w.pool['concurrency'],
        ]
          .filter(Boolean)
          .join(', ')
      : '';
    return el(
      'article',
      { class: 'card', dataset: { worker: w.hostname } },
      el('h3', {}, w.hostname, ' ', badge(w.online ? 'online' : 'offline')),
      el(
        'dl',
        {},
        el('dt', {}, 'Heartbeat'),
        el('dd', {}, ago(w.lastHeartbeat)),
        el('dt', {}, 'Running'),
        el('dd', {}, w.active ?? w.running.length),
        el('dt', {}, 'Processed'),
        el(
          'dd',
          {},
          `${w.processed ?? '?'}${w.processedPerSecond !== null ? ` (${w.processedPerSecond.toFixed(1)}/s)` : ''}`,
        ),
        el('dt', {}, 'Pool'),
        el('dd', {}, pool || '—'),
        el('dt', {}, 'Prefetch'),
        el('dd', {}, w.prefetchCount ?? '—'),
        el('dt', {}, 'Queues'),
        el('dd', {}, w.queues.join(', ') || '—'),
        el('dt', {}, 'Load'),
        el('dd', {}, w.loadavg ? w.loadavg.join(' ') : '—'),
        el('dt', {}, 'Software'),
        el('dd', {}, w.software ?? '—'),
      ),
      w.running.length
        ? el(
            'ul',
            {},
            ...w.running.map((t) =>
              el(
                'li',
                {},
                el(
                  'a',
                  { href: `#tasks`, onclick: () => openTask(t.id) },
                  `${t.name} ${t.id.slice(0, 8)}`,
                ),
              ),
            ),
          )
        : null,
    );
  }

  // ---- tasks ----
  function matches(task) {
    const q = $('q').value.trim().toLowerCase();
    const s = $('state').value;
    return (
      (!s || task.state === s) &&
      (!q || task.id.toLowerCase().includes(q) || (task.name ?? '').toLowerCase().includes(q))
    );
  }

  function renderTasks() {
    const shown = [...state.tasks.values()]
      .filter(matches)
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .slice(0, 200);
    $('count-tasks').textContent = String(state.tasks.size);
    $('tasks').tBodies[0].replaceChildren(
      ...shown.map((t) =>
        el(
          'tr',
          { dataset: { taskId: t.id }, onclick: () => openTask(t.id) },
          cell(
            'Task',
            el(
              'span',
              {},
              el('strong', {}, t.name ?? '?'),
              el('br'),
              el('span', { class: 'mono' }, t.id),
            ),
          ),
          cell('State', badge(t.state)),
          cell('Args', t.args ?? '', 'mono clip'),
          cell('Worker', t.worker ?? ''),
          cell('When', when(t.lastSeen)),
        ),
      ),
    );
    if (state.open) renderTask(state.tasks.get(state.open));
  }

  function mergeTasks(list) {
    for (const task of list) state.tasks.set(task.id, task);
    if (list.length > 0) $('no-events').hidden = true;
    renderTasks();
  }

  async function search() {
    const params = new URLSearchParams({ q: $('q').value, state: $('state').value, limit: '200' });
    try {
      mergeTasks(await api(`api/tasks?${params}`));
    } catch (err) {
      toast(`search failed: ${err.message}`, true);
    }
  }

  async function openTask(id) {
    state.open = id;
    if (!state.tasks.has(id)) {
      try {
        state.tasks.set(id, await api(`api/tasks/${encodeURIComponent(id)}`));
      } catch (err) {
        toast(err.message, true);
        return;
      }
    }
    renderTask(state.tasks.get(id));
    if (!$('task-dialog').open) $('task-dialog').showModal();
  }

  function renderTask(t) {
    if (!t) return;
    $('task-title').replaceChildren(`${t.name ?? 'task'} `, badge(t.state));
    const fields = [
      ['id', t.id],
      ['worker', t.worker],
      ['args', t.args],
      ['kwargs', t.kwargs],
      ['result', t.result],
      ['exception', t.exception],
      ['retries', t.retries],
      ['runtime', t.runtime === null ? null : `${t.runtime.toFixed(3)} s`],
      ['eta', t.eta],
      ['parent', t.parentId],
      ['root', t.rootId],
    ];
    $('task-fields').replaceChildren(
      ...fields
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .flatMap(([k, v]) => [el('dt', {}, k), el('dd', { dataset: { field: k } }, v)]),
    );
    $('task-timeline').replaceChildren(
      ...t.timeline.map((e) =>
        el(
          'li',
          {},
          `${when(e.timestamp)} ${e.type.replace('task-', '')}`,
          e.retries ? ` (retry ${e.retries})` : '',
          ` on ${e.hostname}`,
          e.exception ? el('span', { class: 'err' }, ` — ${e.exception}`) : null,
        ),
      ),
    );
    $('task-traceback-box').hidden = !t.traceback;
    $('task-traceback').textContent = t.traceback ?? '';
    const finished = ['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED'].includes(t.state);
    $('task-revoke').disabled = !state.session.actions || finished;
    $('task-terminate').disabled = !state.session.actions || finished;
  }

  // ---- dead letters ----
  async function loadDeadLetters() {
    const queue = $('dlq-queue').value;
    const body = $('dead-letters').tBodies[0];
    if (!queue) {
      body.replaceChildren(
        el('tr', {}, el('td', { colspan: '6', class: 'empty' }, 'No dead-letter queue yet.')),
      );
      return;
    }
    try {
      state.dlq = await api(`api/dead-letters/${encodeURIComponent(queue)}?limit=100`);
    } catch (err) {
      toast(err.message, true);
      return;
    }
    body.replaceChildren(
      ...(state.dlq.length
        ? state.dlq.map((d) =>
            el(
              'tr',
              { dataset: { letterId: d.id ?? '' } },
              cell(
                'Task',
                el(
                  'span',
                  {},
                  el('strong', {}, d.task ?? '?'),
                  el('br'),
                  el('span', { class: 'mono' }, d.id ?? '(no id)'),
                ),
              ),
              cell('Why', d.reason ?? '', 'mono'),
              cell(
                'Error',
                d.excType ? `${d.excType}: ${(d.excMessage ?? []).join(', ')}` : (d.detail ?? ''),
                'clip',
              ),
              cell('Attempts', d.attempts ?? '', 'num'),
              cell('Dead since', d.deadAt ? new Date(d.deadAt).toLocaleString() : ''),
              cell(
                '',
                el(
                  'button',
                  {
                    type: 'button',
                    class: 'action replay',
                    disabled: !(state.session.actions && d.id),
                    onclick: () => replay(queue, [d.id]),
                  },
                  'Replay',
                ),
              ),
            ),
          )
        : [
            el(
              'tr',
              {},
              el('td', { colspan: '6', class: 'empty' }, `No dead letters in ${queue}.dead.`),
            ),
          ]),
    );
  }

  async function replay(queue, ids) {
    const answer = await act(
      'Replay',
      `api/dead-letters/${encodeURIComponent(queue)}/replay`,
      ids ? { ids } : {},
    );
    if (answer) await loadDeadLetters();
  }

  // ---- live updates ----
  function connect() {
    const source = new EventSource(`${base}api/stream`);
    source.addEventListener('open', () => {
      $('status').textContent = 'live';
      $('status').className = 'status live';
    });
    source.addEventListener('error', () => {
      $('status').textContent = 'reconnecting…';
      $('status').className = 'status down';
    });
    source.addEventListener('snapshot', (e) => {
      const snapshot = JSON.parse(e.data);
      renderOverview(snapshot);
      mergeTasks(snapshot.tasks);
    });
    source.addEventListener('overview', (e) => renderOverview(JSON.parse(e.data)));
    source.addEventListener('tasks', (e) => mergeTasks(JSON.parse(e.data)));
  }

  async function start() {
    state.session = await api('api/session');
    if (!state.session.actions) {
      $('access').hidden = false;
      $('access').textContent = state.session.guarded
        ? 'Read-only: this dashboard is mounted with readOnly.'
        : 'Read-only, and only on this machine: the dashboard has no guard. Mount it with a guard to allow actions.';
      for (const node of document.querySelectorAll('.action button, button.action'))
        node.disabled = true;
    }
    window.addEventListener('hashchange', showTab);
    showTab();
    $('task-search').addEventListener('submit', (e) => {
      e.preventDefault();
      void search();
    });
    $('q').addEventListener('input', () => {
      renderTasks();
      clearTimeout(search.timer);
      search.timer = setTimeout(search, 300);
    });
    $('state').addEventListener('change', () => {
      renderTasks();
      void search();
    });
    $('task-dialog').addEventListener('close', () => (state.open = null));
    $('task-revoke').addEventListener('click', () =>
      act('Revoke', `api/tasks/${encodeURIComponent(state.open)}/revoke`, { terminate: false }),
    );
    $('task-terminate').addEventListener('click', () =>
      act('Terminate', `api/tasks/${encodeURIComponent(state.open)}/revoke`, { terminate: true }),
    );
    $('rate-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void act('Rate limit', 'api/rate-limit', {
        task: $('rate-task').value.trim(),
        rateLimit: $('rate-value').value.trim(),
      });
    });
    $('dlq-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void loadDeadLetters();
    });
    $('dlq-queue').addEventListener('change', () => void loadDeadLetters());
    $('dlq-replay-all').addEventListener('click', () => void replay($('dlq-queue').value, null));
    $('dlq-purge').addEventListener('click', async () => {
      const queue = $('dlq-queue').value;
      if (queue && confirm(`Delete every dead letter of ${queue}?`)) {
        if (await act('Purge', `api/dead-letters/${encodeURIComponent(queue)}/purge`, {}))
          await loadDeadLetters();
      }
    });
    connect();
  }

  start().catch((err) => {
    $('status').textContent = `cannot load: ${err.message}`;
    $('status').className = 'status down';
  });
})();
