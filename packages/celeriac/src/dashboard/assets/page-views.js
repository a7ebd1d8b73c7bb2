// The dashboard page, part 2 of 3: the tabs and what each shows (see page-helpers.js).
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
        `${exactly(e.timestamp)} ${e.type.replace('task-', '')}`,
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
