// The aTES web app: one page per role over the same /api, with the JWT kept in sessionStorage.
// Every piece of text goes into the page through text nodes, never parsed as HTML, so a task titled
// "<img src=x onerror=alert(1)>" shows as those characters. No inline script or style: the
// Content-Security-Policy forbids them.

const SVG = 'http://www.w3.org/2000/svg';
const POLL_MS = 3000;
const main = document.getElementById('main');

// ---------------------------------------------------------------- session

let session = load();

function load() {
  try {
    return JSON.parse(sessionStorage.getItem('ates.session')) || null;
  } catch {
    return null;
  }
}

function save(value) {
  session = value;
  if (value) sessionStorage.setItem('ates.session', JSON.stringify(value));
  else sessionStorage.removeItem('ates.session');
}

// ---------------------------------------------------------------- DOM helpers

/** An element with attributes ("on…" are listeners) and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Gives each cell of tbody its column's name, which narrow screens show beside the value. */
function labelCells(tbody) {
  const names = [...tbody.closest('table').querySelectorAll('thead th')].map((th) => th.textContent);
  for (const row of tbody.rows) {
    if (row.cells.length === names.length) [...row.cells].forEach((td, i) => td.setAttribute('data-label', names[i]));
  }
  return tbody;
}

let ids = 0;
const uid = (prefix) => `${prefix}-${++ids}`;

const money = (cents) => {
  const sign = cents < 0 ? '−' : '';
  return sign + (Math.abs(cents) / 100).toFixed(2);
};
const day = (d) => d.toISOString().slice(0, 10);
const today = () => day(new Date());
const daysAgo = (n) => day(new Date(Date.now() - n * 86400000));
const when = (instant) => (instant ? new Date(instant).toLocaleString() : '—');

function statusLine() {
  return el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
}

function alertLine() {
  return el('p', { class: 'alert', role: 'alert' });
}

function table(caption, headers, rows) {
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      {},
      caption ? el('caption', {}, caption) : null,
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col', class: h.num ? 'num' : null }, h.label ?? h)))),
      el('tbody', {}, rows),
    ),
  );
}

/** A labelled form field; its error paragraph is announced and tied to the input. */
function field(label, name, input, hint) {
  const id = uid(name);
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  setAttrs(input, { id, name, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') });
  const error = el('p', { class: 'field-error', id: errorId, hidden: true });
  const wrap = el('div', { class: 'field' }, el('label', { for: id }, label), input, hint ? el('p', { class: 'hint', id: hintId }, hint) : null, error);
  wrap.dataset.field = name;
  return { wrap, input, error };
}

function clearErrors(fields) {
  for (const f of Object.values(fields)) {
    f.error.textContent = '';
    f.error.hidden = true;
    f.input.removeAttribute('aria-invalid');
  }
}

/** Puts a 400 "field 'x' …" problem next to field x; returns false when no field matches. */
function showFieldError(fields, problem) {
  const m = /field '([A-Za-z]+)'/.exec(problem?.detail || '');
  const f = m && fields[m[1]];
  if (!f) return false;
  f.error.textContent = problem.detail.replace(/^field '[A-Za-z]+' /, '');
  f.error.hidden = false;
  f.input.setAttribute('aria-invalid', 'true');
  f.input.focus();
  return true;
}

/** A modal confirmation; resolves true when confirmed. */
function confirmDialog(question, confirmLabel) {
  return new Promise((resolve) => {
    const headingId = uid('dialog');
    const dialog = el('dialog', { 'aria-labelledby': headingId });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    append(dialog, [
      el('h2', { id: headingId }, question),
      el('div', { class: 'pager' },
        el('button', { type: 'button', class: 'danger', onclick: () => done(true) }, confirmLabel),
        el('button', { type: 'button', class: 'secondary', onclick: () => done(false) }, 'Cancel')),
    ]);
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (session) init.headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.status === 401 && session && path !== '/api/auth/login') {
    save(null);
    renderLogin('Your session has ended; log in again.');
    throw new ApiError(401, json);
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** Accounts by user id, from accounting (accountants and admins). */
async function accountsById() {
  const accounts = await api('GET', '/api/accounts');
  return new Map(accounts.map((a) => [a.userId, a]));
}

async function usersById() {
  const users = await api('GET', '/api/users');
  return new Map(users.map((u) => [u.userId, u]));
}

// ---------------------------------------------------------------- pages and navigation

const PAGES = [
  { id: 'my-tasks', label: 'My tasks', roles: ['worker'], render: myTasksPage },
  { id: 'account', label: 'My account', roles: ['worker'], render: myAccountPage },
  { id: 'tasks', label: 'All tasks', roles: ['manager', 'admin'], render: allTasksPage },
  { id: 'new-task', label: 'New task', roles: ['manager', 'admin'], render: newTaskPage },
  { id: 'dashboard', label: 'Dashboard', roles: ['admin'], render: dashboardPage },
  { id: 'accounts', label: 'Accounts', roles: ['accountant', 'admin'], render: accountsPage },
  { id: 'billing', label: 'Earnings and billing', roles: ['accountant', 'admin'], render: billingPage },
  { id: 'users', label: 'Users', roles: ['admin'], render: usersPage },
];
const HOME = { worker: 'my-tasks', manager: 'tasks', accountant: 'accounts', admin: 'dashboard' };

let stopPage = () => {};

/** Runs fn now and every few seconds while the page is shown and the tab visible. */
function live(fn) {
  const timer = setInterval(() => {
    if (!document.hidden) fn().catch(() => {});
  }, POLL_MS);
  const previous = stopPage;
  stopPage = () => {
    previous();
    clearInterval(timer);
  };
  return fn();
}

function route() {
  stopPage();
  stopPage = () => {};
  if (!session) return renderLogin();
  const role = session.user.role;
  const wanted = location.hash.replace(/^#\/?/, '') || HOME[role];
  const page = PAGES.find((p) => p.id === wanted);
  renderHeader(page);
  main.replaceChildren();
  if (!page) return notFound();
  if (!page.roles.includes(role)) return notAllowed(page);
  const heading = el('h1', { tabindex: '-1' }, page.label);
  main.append(heading);
  document.title = `${page.label} · aTES`;
  heading.focus();
  page.render(main).catch((e) => main.append(el('p', { class: 'alert', role: 'alert' }, e.message)));
}

function renderHeader(current) {
  const top = document.getElementById('top');
  top.hidden = false;
  const role = session.user.role;
  document.getElementById('who').textContent = `${session.user.fullName} (${session.user.login}) · ${role}`;
  document.getElementById('nav').replaceChildren(
    ...PAGES.filter((p) => p.roles.includes(role)).map((p) =>
      el('li', {}, el('a', { href: `#/${p.id}`, 'aria-current': current === p ? 'page' : null }, p.label)),
    ),
  );
}

function notAllowed(page) {
  document.title = 'Not available · aTES';
  const heading = el('h1', { tabindex: '-1' }, 'Not available');
  main.append(
    heading,
    el('p', { role: 'alert' }, `“${page.label}” is for the role ${page.roles.join(' or ')}; you are ${session.user.role}.`),
    el('p', {}, el('a', { href: `#/${HOME[session.user.role]}` }, 'Back to your page')),
  );
  heading.focus();
}

function notFound() {
  main.append(el('h1', {}, 'No such page'), el('p', {}, el('a', { href: `#/${HOME[session.user.role]}` }, 'Back to your page')));
}

function renderLogin(message) {
  stopPage();
  stopPage = () => {};
  document.getElementById('top').hidden = true;
  document.title = 'Log in · aTES';
  const fields = {
    login: field('Login', 'login', el('input', { type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' })),
    password: field('Password', 'password', el('input', { type: 'password', autocomplete: 'current-password' })),
  };
  const alert = alertLine();
  const button = el('button', { type: 'submit' }, 'Log in');
  const form = el('form', { class: 'login', novalidate: true }, el('h1', {}, 'aTES'), fields.login.wrap, fields.password.wrap, alert, button);
  if (message) alert.textContent = message;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.textContent = '';
    button.disabled = true;
    try {
      const answer = await api('POST', '/api/auth/login', { login: fields.login.input.value.trim(), password: fields.password.input.value });
      save({ token: answer.token, user: answer.user });
      if (location.hash && location.hash !== '#/') route();
      else location.hash = `#/${HOME[answer.user.role]}`;
    } catch (err) {
      alert.textContent = err.status === 401 ? 'Wrong login or password.' : err.message;
      fields.password.input.focus();
    } finally {
      button.disabled = false;
    }
  });
  main.replaceChildren(form);
  fields.login.input.focus();
}

document.getElementById('logout').addEventListener('click', () => {
  save(null);
  history.replaceState(null, '', '/');
  renderLogin();
});
window.addEventListener('hashchange', route);

// ---------------------------------------------------------------- worker

async function myTasksPage(root) {
  const status = statusLine();
  const open = el('section', { 'aria-labelledby': 'open-h' }, el('h2', { id: 'open-h', tabindex: '-1' }, 'Open'));
  const done = el('section', { 'aria-labelledby': 'done-h' }, el('h2', { id: 'done-h' }, 'Done'));
  const openList = el('ul', { class: 'cards', id: 'open-tasks' });
  const doneList = el('ul', { class: 'cards', id: 'done-tasks' });
  open.append(openList);
  done.append(doneList);
  root.append(status, open, done);

  let shown = '';
  const refresh = async (force) => {
    const tasks = await api('GET', '/api/tasks?assignee=me');
    const key = JSON.stringify(tasks);
    if (key === shown && !force) return;
    shown = key;
    const card = (t) => {
      const titleId = uid('task');
      return el(
        'li',
        { class: 'card', 'data-task-id': t.taskId },
        el('h3', { id: titleId }, t.title),
        el('dl', {},
          el('dt', {}, 'Jira ID'), el('dd', {}, t.jiraId || '—'),
          el('dt', {}, 'Fee'), el('dd', {}, money(t.assignFee)),
          el('dt', {}, 'Reward'), el('dd', {}, money(t.completionReward)),
          t.status === 'done' ? [el('dt', {}, 'Completed'), el('dd', {}, when(t.completedAt))] : []),
        t.status === 'open'
          ? el('button', { type: 'button', 'aria-describedby': titleId, onclick: (e) => complete(t, e.target) }, 'Complete')
          : null,
      );
    };
    const openTasks = tasks.filter((t) => t.status === 'open');
    const doneTasks = tasks.filter((t) => t.status === 'done');
    openList.replaceChildren(...(openTasks.length ? openTasks.map(card) : [el('li', { class: 'muted' }, 'No open tasks.')]));
    doneList.replaceChildren(...(doneTasks.length ? doneTasks.map(card) : [el('li', { class: 'muted' }, 'Nothing done yet.')]));
  };
  const complete = async (task, button) => {
    button.disabled = true;
    try {
      await api('POST', `/api/tasks/${task.taskId}/complete`, undefined);
      status.textContent = `Completed “${task.title}”: reward ${money(task.completionReward)}.`;
      await refresh(true);
      document.getElementById('open-h').focus();
    } catch (err) {
      status.textContent = '';
      root.append(el('p', { class: 'alert', role: 'alert' }, err.message));
      button.disabled = false;
    }
  };
  await live(() => refresh(false));
}

async function myAccountPage(root) {
  await accountView(root, '/api/accounts/me', true);
}

/** Balance and audit log of one account, newest first, paged with "Older entries". */
async function accountView(root, path, poll) {
  const balance = el('p', { class: 'figure', id: 'balance', 'aria-live': 'polite' });
  const body = el('tbody', {});
  const pageSize = 10;
  const older = el('button', { type: 'button', class: 'secondary' }, 'Older entries');
  const newest = el('button', { type: 'button', class: 'secondary' }, 'Newest entries');
  let cursor = null; // the "before" of the page shown; null for the newest entries
  const section = el(
    'section',
    { 'aria-label': 'Account' },
    el('h2', {}, 'Balance'),
    balance,
    el('h2', {}, 'Audit log'),
    el('div', { class: 'table-wrap' },
      el('table', { id: 'audit-log' },
        el('thead', {}, el('tr', {}, ['When', 'What', 'Amount', 'Balance after'].map((h, i) => el('th', { scope: 'col', class: i >= 2 ? 'num' : null }, h)))),
        body)),
    el('div', { class: 'pager' }, newest, older),
  );
  root.append(section);
  let shown = '';
  const load = async (before, force) => {
    const query = `?limit=${pageSize}` + (before ? `&before=${encodeURIComponent(before)}` : '');
    const account = await api('GET', path + query);
    const key = JSON.stringify(account);
    cursor = before;
    if (key === shown && !force) return;
    shown = key;
    balance.textContent = money(account.balance);
    balance.classList.toggle('negative', account.balance < 0);
    body.replaceChildren(
      ...(account.transactions.length
        ? account.transactions.map((t) => {
            const signed = t.direction === 'debit' ? -t.amount : t.amount;
            return el('tr', {},
              el('td', {}, when(t.createdAt)),
              el('td', { class: 'text' }, t.description || t.type.replace('_', ' ')),
              el('td', { class: 'num' + (signed < 0 ? ' negative' : '') }, money(signed)),
              el('td', { class: 'num' }, money(t.balanceAfter)));
          })
        : [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'No entries.'))]),
    );
    labelCells(body);
    older.disabled = account.transactions.length < pageSize;
    older.onclick = () => {
      load(account.transactions[account.transactions.length - 1].createdAt, true);
    };
    newest.disabled = !before;
  };
  newest.onclick = () => load(null, true);
  if (poll) await live(() => (cursor ? Promise.resolve() : load(null, false)));
  else await load(null, true);
}

// ---------------------------------------------------------------- manager and admin

async function newTaskPage(root) {
  const fields = {
    title: field('Title', 'title', el('input', { type: 'text', maxlength: 200 }), 'Up to 200 characters, without [ or ].'),
    jiraId: field('Jira ID', 'jiraId', el('input', { type: 'text', autocapitalize: 'characters' }), 'Optional, such as UBERPOP-42.'),
    description: field('Description', 'description', el('textarea', { maxlength: 4000 })),
  };
  const alert = alertLine();
  const status = statusLine();
  const button = el('button', { type: 'submit' }, 'Create task');
  const form = el('form', { novalidate: true, id: 'new-task' }, fields.title.wrap, fields.jiraId.wrap, fields.description.wrap, alert, button);
  root.append(form, status);
  fields.title.input.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(fields);
    alert.textContent = '';
    status.textContent = '';
    button.disabled = true;
    try {
      const task = await api(
        'POST',
        '/api/tasks',
        { title: fields.title.input.value, jiraId: fields.jiraId.input.value.trim() || null, description: fields.description.input.value },
        { 'Idempotency-Key': crypto.randomUUID() },
      );
      let assignee = task.assigneeId;
      try {
        assignee = (await usersById()).get(task.assigneeId)?.login ?? assignee;
      } catch {
        // the login is a nicety; the id will do
      }
      status.textContent = `Created “${task.title}”, assigned to ${assignee} (fee ${money(task.assignFee)}, reward ${money(task.completionReward)}).`;
      form.reset();
      fields.title.input.focus();
    } catch (err) {
      if (!(err.status === 400 && showFieldError(fields, err.problem))) alert.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
}

async function allTasksPage(root) {
  const status = statusLine();
  const shuffle = el('button', { type: 'button', class: 'danger' }, 'Shuffle');
  const statusFilter = field('Status', 'status', el('select', {}, el('option', { value: '' }, 'Any'), el('option', { value: 'open' }, 'Open'), el('option', { value: 'done' }, 'Done')));
  const assigneeSelect = el('select', {}, el('option', { value: 'all' }, 'Everyone'));
  const assigneeFilter = field('Assignee', 'assignee', assigneeSelect);
  const search = field('Title contains', 'q', el('input', { type: 'search' }));
  const body = el('tbody', {});
  root.append(
    el('div', { class: 'row' }, shuffle, el('a', { href: '#/new-task' }, 'New task')),
    status,
    el('form', { class: 'row', role: 'search', 'aria-label': 'Filter tasks', onsubmit: (e) => e.preventDefault() }, statusFilter.wrap, assigneeFilter.wrap, search.wrap),
    el('div', { class: 'table-wrap' },
      el('table', { id: 'all-tasks' },
        el('thead', {}, el('tr', {}, ['Title', 'Jira ID', 'Status', 'Assignee', 'Fee', 'Reward', 'Created'].map((h, i) => el('th', { scope: 'col', class: i === 4 || i === 5 ? 'num' : null }, h)))),
        body)),
  );
  const users = await usersById();
  for (const u of [...users.values()].filter((u) => u.role === 'worker').sort((a, b) => a.login.localeCompare(b.login))) {
    assigneeSelect.append(el('option', { value: u.userId }, u.login));
  }
  let shown = '';
  const refresh = async (force) => {
    const query = new URLSearchParams({ assignee: assigneeSelect.value });
    if (statusFilter.input.value) query.set('status', statusFilter.input.value);
    const tasks = await api('GET', `/api/tasks?${query}`);
    const needle = search.input.value.trim().toLowerCase();
    const visible = needle ? tasks.filter((t) => t.title.toLowerCase().includes(needle)) : tasks;
    const key = JSON.stringify(visible);
    if (key === shown && !force) return;
    shown = key;
    body.replaceChildren(
      ...(visible.length
        ? visible.map((t) =>
            el('tr', { 'data-task-id': t.taskId },
              el('td', { class: 'text' }, t.title),
              el('td', {}, t.jiraId || '—'),
              el('td', {}, t.status),
              el('td', {}, users.get(t.assigneeId)?.login ?? t.assigneeId),
              el('td', { class: 'num' }, money(t.assignFee)),
              el('td', { class: 'num' }, money(t.completionReward)),
              el('td', {}, when(t.createdAt))))
        : [el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No tasks.'))]),
    );
    labelCells(body);
  };
  for (const f of [statusFilter.input, assigneeSelect]) f.addEventListener('change', () => refresh(true));
  search.input.addEventListener('input', () => refresh(true));
  shuffle.addEventListener('click', async () => {
    if (!(await confirmDialog('Reassign every open task to a random worker?', 'Shuffle tasks'))) {
      shuffle.focus();
      return;
    }
    shuffle.disabled = true;
    try {
      const answer = await api('POST', '/api/tasks/shuffle', undefined);
      status.textContent = `${answer.reassigned} ${answer.reassigned === 1 ? 'task' : 'tasks'} reassigned.`;
      await refresh(true);
    } catch (err) {
      status.textContent = err.message;
    } finally {
      shuffle.disabled = false;
      shuffle.focus();
    }
  });
  await live(() => refresh(false));
}

// ---------------------------------------------------------------- accountant and admin

async function accountsPage(root) {
  const detail = el('section', { id: 'account-detail', 'aria-live': 'polite' });
  const body = el('tbody', {});
  root.append(
    el('div', { class: 'table-wrap' },
      el('table', { id: 'accounts' },
        el('caption', {}, 'Workers and their balances'),
        el('thead', {}, el('tr', {}, ['Login', 'Name', 'Balance', 'Audit log'].map((h, i) => el('th', { scope: 'col', class: i === 2 ? 'num' : null }, h)))),
        body)),
    detail,
  );
  // accounting's own list: every worker and every account with a movement, by login
  const users = (await api('GET', '/api/accounts')).map((a) => ({ ...a, login: a.login ?? a.userId, fullName: a.fullName ?? '' }));
  const balances = users.map((u) => u.balance);
  body.replaceChildren(
    ...(users.length
      ? users.map((u, i) =>
          el('tr', {},
            el('td', {}, u.login),
            el('td', { class: 'text' }, u.fullName),
            el('td', { class: 'num' + (balances[i] < 0 ? ' negative' : '') }, balances[i] === null ? '—' : money(balances[i])),
            el('td', {},
              el('button', {
                type: 'button',
                class: 'secondary',
                'aria-label': `Audit log of ${u.login}`,
                onclick: async () => {
                  const heading = el('h2', { tabindex: '-1' }, `Account of ${u.fullName} (${u.login})`);
                  detail.replaceChildren(heading);
                  await accountView(detail, `/api/accounts/${u.userId}`, false);
                  heading.focus();
                },
              }, 'Audit log'))))
      : [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'No workers yet.'))]),
  );
  labelCells(body);
}

async function billingPage(root) {
  const from = daysAgo(29);
  const to = today();
  const chart = el('div', {});
  const body = el('tbody', {});
  const status = statusLine();
  const alert = alertLine();
  root.append(
    el('h2', {}, 'Management earnings per day'),
    chart,
    el('div', { class: 'table-wrap' },
      el('table', { id: 'billing-days' },
        el('caption', {}, `Billing days ${from} to ${to}`),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Day'), el('th', { scope: 'col', class: 'num' }, 'Management earnings'))),
        body)),
  );
  if (session.user.role === 'admin') {
    const date = field('Day to close', 'date', el('input', { type: 'date', value: today(), max: today() }));
    const button = el('button', { type: 'submit', class: 'danger' }, 'Close day');
    const payouts = el('div', {});
    const form = el('form', { novalidate: true, id: 'close-day' }, date.wrap, button);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors({ date });
      alert.textContent = '';
      if (!(await confirmDialog(`Close ${date.input.value || 'today'} and pay out every positive balance?`, 'Close day'))) return;
      button.disabled = true;
      try {
        const answer = await api('POST', '/api/accounting/billing-cycles/close', date.input.value ? { date: date.input.value } : {});
        const total = answer.payouts.reduce((s, p) => s + p.amount, 0);
        status.textContent = `Closed ${answer.date}: ${answer.payouts.length} payouts, ${money(total)} in all.`;
        const users = await accountsById().catch(() => new Map());
        payouts.replaceChildren(
          table('Payouts', ['Worker', { label: 'Amount', num: true }],
            answer.payouts.map((p) => el('tr', {}, el('td', {}, users.get(p.userId)?.login ?? p.userId), el('td', { class: 'num' }, money(p.amount))))),
        );
      } catch (err) {
        if (!(err.status === 400 && showFieldError({ date }, err.problem))) alert.textContent = err.message;
      } finally {
        button.disabled = false;
      }
    });
    root.append(el('h2', {}, 'Close a billing day'), el('p', { class: 'hint' }, 'Each day closes by itself at midnight; this closes it now.'), form, alert, status, payouts);
  } else {
    root.append(el('p', { class: 'muted' }, 'Each billing day closes by itself at midnight; an admin can close one earlier.'));
  }
  const rows = await api('GET', `/api/accounting/earnings?from=${from}&to=${to}`);
  chart.replaceChildren(barChart('Management earnings per day', rows, (r) => r.managementEarnings, money));
  body.replaceChildren(
    ...[...rows].reverse().map((r) =>
      el('tr', {}, el('td', {}, r.date), el('td', { class: 'num' + (r.managementEarnings < 0 ? ' negative' : '') }, money(r.managementEarnings)))),
  );
  labelCells(body);
}

/** A bar chart in SVG (one bar per day, negative values below the axis), with a text summary. */
function barChart(title, rows, valueOf, format) {
  const width = 640;
  const height = 200;
  const left = 8;
  const values = rows.map(valueOf);
  const max = Math.max(1, ...values.map((v) => Math.max(v, 0)));
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  const plot = height - 24;
  const zero = 8 + ((max - 0) / span) * (plot - 8);
  const step = (width - left * 2) / Math.max(1, rows.length);
  const summary = rows.length
    ? `${title}, ${rows[0].date} to ${rows[rows.length - 1].date}: lowest ${format(Math.min(...values))}, highest ${format(Math.max(...values))}, latest ${format(values[values.length - 1])}.`
    : `${title}: no data.`;
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary });
  rows.forEach((r, i) => {
    const v = values[i];
    const h = (Math.abs(v) / span) * (plot - 8);
    const y = v >= 0 ? zero - h : zero;
    chart.append(
      svg('rect', { class: v < 0 ? 'bar neg' : 'bar', x: left + i * step + 1, y, width: Math.max(1, step - 2), height: Math.max(h, v === 0 ? 0 : 1) },
        svg('title', {}, `${r.date}: ${format(v)}`)),
    );
    if (rows.length <= 14 || i % Math.ceil(rows.length / 10) === 0) {
      chart.append(svg('text', { x: left + i * step + step / 2, y: height - 6, 'text-anchor': 'middle' }, r.date.slice(5)));
    }
  });
  chart.append(svg('line', { class: 'axis', x1: left, x2: width - left, y1: zero, y2: zero }));
  return chart;
}

// ---------------------------------------------------------------- admin

async function usersPage(root) {
  const roles = ['worker', 'manager', 'accountant', 'admin'];
  const fields = {
    login: field('Login', 'login', el('input', { type: 'text', autocapitalize: 'none', spellcheck: 'false' }), '3 to 64 of a-z, 0-9, ".", "_" or "-".'),
    fullName: field('Full name', 'fullName', el('input', { type: 'text' })),
    email: field('Email', 'email', el('input', { type: 'email' })),
    password: field('Password', 'password', el('input', { type: 'password', autocomplete: 'new-password' }), 'At least 8 characters.'),
    role: field('Role', 'role', el('select', {}, roles.map((r) => el('option', { value: r }, r)))),
  };
  const alert = alertLine();
  const status = statusLine();
  const button = el('button', { type: 'submit' }, 'Create user');
  const form = el('form', { novalidate: true, id: 'new-user' }, Object.values(fields).map((f) => f.wrap), alert, button);
  const body = el('tbody', {});
  root.append(
    el('h2', {}, 'New user'),
    form,
    status,
    el('h2', {}, 'Users'),
    el('div', { class: 'table-wrap' },
      el('table', { id: 'users' },
        el('thead', {}, el('tr', {}, ['Login', 'Name', 'Email', 'Role'].map((h) => el('th', { scope: 'col' }, h)))),
        body)),
  );
  const refresh = async () => {
    const users = [...(await usersById()).values()].sort((a, b) => a.login.localeCompare(b.login));
    body.replaceChildren(
      ...users.map((u) => {
        const select = el('select', { 'aria-label': `Role of ${u.login}` }, roles.map((r) => el('option', { value: r, selected: r === u.role }, r)));
        const change = el('button', { type: 'button', class: 'secondary' }, 'Change role');
        change.addEventListener('click', async () => {
          change.disabled = true;
          try {
            const changed = await api('PUT', `/api/users/${u.userId}/role`, { role: select.value });
            status.textContent = `${changed.login} is now ${changed.role}.`;
          } catch (err) {
            status.textContent = err.message;
          } finally {
            change.disabled = false;
          }
        });
        return el('tr', {},
          el('td', {}, u.login),
          el('td', { class: 'text' }, u.fullName),
          el('td', { class: 'text' }, u.email),
          el('td', {}, el('div', { class: 'pager' }, select, change)));
      }),
    );
    labelCells(body);
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(fields);
    alert.textContent = '';
    status.textContent = '';
    button.disabled = true;
    try {
      const user = await api(
        'POST',
        '/api/users',
        {
          login: fields.login.input.value.trim(),
          fullName: fields.fullName.input.value,
          email: fields.email.input.value.trim(),
          password: fields.password.input.value,
          role: fields.role.input.value,
        },
        { 'Idempotency-Key': crypto.randomUUID() },
      );
      status.textContent = `Created ${user.login} (${user.role}).`;
      form.reset();
      await refresh();
    } catch (err) {
      if (!(err.status === 400 && showFieldError(fields, err.problem))) alert.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  await refresh();
}

async function dashboardPage(root) {
  const figure = (id, label) => {
    const value = el('p', { class: 'figure', id });
    return { value, card: el('li', { class: 'card' }, el('h3', {}, label), value) };
  };
  const earnings = figure('today-earnings', 'Management earnings today');
  const negative = figure('negative-workers', 'Workers in the negative');
  const completed = figure('completed-today', 'Tasks completed today');
  const expensive = Object.fromEntries(
    ['day', 'week', 'month'].map((p) => [p, el('dd', { id: `most-expensive-${p}` }, '…')]),
  );
  const charts = el('div', {});
  const body = el('tbody', {});
  root.append(
    el('ul', { class: 'cards', 'aria-label': 'Today' }, earnings.card, negative.card, completed.card),
    el('h2', {}, 'Most expensive task'),
    el('dl', { class: 'card' }, ['day', 'week', 'month'].map((p) => [el('dt', {}, `This ${p}`), expensive[p]])),
    el('h2', {}, 'Daily statistics, last 14 days'),
    charts,
    el('div', { class: 'table-wrap' },
      el('table', { id: 'daily' },
        el('thead', {}, el('tr', {},
          [['Day'], ['Management earnings', 1], ['Workers in the negative', 1], ['Completed tasks', 1], ['Average reward', 1], ['Most expensive task']]
            .map(([h, num]) => el('th', { scope: 'col', class: num ? 'num' : null }, h)))),
        body)),
  );
  let shown = '';
  const refresh = async () => {
    const [dash, daily, ...top] = await Promise.all([
      api('GET', '/api/analytics/dashboard'),
      api('GET', `/api/analytics/daily?from=${daysAgo(13)}&to=${today()}`),
      ...['day', 'week', 'month'].map((p) => api('GET', `/api/analytics/most-expensive-task?period=${p}`).catch((e) => (e.status === 404 ? null : Promise.reject(e)))),
    ]);
    const key = JSON.stringify([dash, daily, top]);
    if (key === shown) return;
    shown = key;
    earnings.value.textContent = money(dash.managementEarnings);
    earnings.value.classList.toggle('negative', dash.managementEarnings < 0);
    negative.value.textContent = String(dash.negativeBalanceWorkers);
    completed.value.textContent = String(dash.completedTasks);
    ['day', 'week', 'month'].forEach((p, i) => {
      const t = top[i];
      expensive[p].textContent = t ? `${t.title}${t.jiraId ? ` (${t.jiraId})` : ''}: reward ${money(t.completionReward)}` : 'none completed yet';
    });
    charts.replaceChildren(
      el('h3', {}, 'Management earnings'),
      barChart('Management earnings per day', daily, (r) => r.managementEarnings, money),
      el('h3', {}, 'Completed tasks'),
      barChart('Completed tasks per day', daily, (r) => r.completedTasks, String),
    );
    body.replaceChildren(
      ...[...daily].reverse().map((r) =>
        el('tr', {},
          el('td', {}, r.date),
          el('td', { class: 'num' + (r.managementEarnings < 0 ? ' negative' : '') }, money(r.managementEarnings)),
          el('td', { class: 'num' }, String(r.negativeBalanceWorkers)),
          el('td', { class: 'num' }, String(r.completedTasks)),
          el('td', { class: 'num' }, money(r.averageReward)),
          el('td', { class: 'text' }, r.mostExpensiveTask ? r.mostExpensiveTask.title : '—'))),
    );
    labelCells(body);
  };
  await live(refresh);
}

route();
