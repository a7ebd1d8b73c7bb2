// The dashboard page, part 3 of 3: live updates over Server-Sent Events, and wiring the controls.
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
