// The dashboard page, part 1 of 3: shared state, building elements, formatting, and talking to the API.
// The three files are inlined as one script (dashboard-page.ts) inside one function, so they share its
// scope: plain JavaScript, no build step, no globals. Every text goes in through textContent, never as
// HTML, so task arguments and tracebacks cannot inject markup.
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
/** To the millisecond, for a timeline whose steps come within the same second. */
const exactly = (seconds) =>
  seconds
    ? new Date(seconds * 1000).toLocaleTimeString([], {
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hour12: false,
        fractionalSecondDigits: 3,
      })
    : '';
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
