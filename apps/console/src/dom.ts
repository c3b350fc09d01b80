/** A tiny DOM builder: h('a', { href }, 'text', child). Attributes starting with `on` are listeners. */
type Child = Node | string | number | null | undefined | false | Child[];
type Attributes = Record<
  string,
  string | number | boolean | null | undefined | ((event: Event) => void)
>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function')
      element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else
      parent.appendChild(
        typeof child === 'string' || typeof child === 'number'
          ? document.createTextNode(String(child))
          : child,
      );
  }
}

/** A lifecycle state as a coloured pill (the colour is never the only cue: the text says it). */
export function statePill(state: string): HTMLElement {
  const kind = ['running', 'ready'].includes(state)
    ? state
    : ['failed', 'terminated', 'stopped', 'archived'].includes(state)
      ? state
      : 'other';
  return h(
    'span',
    { class: `state state-${kind}`, 'data-state': state },
    state,
  );
}

/**
 * A table with headers; rows of cells (or elements). It scrolls sideways in its own region when wider
 * than its panel; that region takes keyboard focus so keyboard users can scroll it too.
 */
export function dataTable(
  caption: string,
  headers: (string | Node)[],
  rows: Child[][],
  attributes: Attributes = {},
): HTMLElement {
  const table = h(
    'table',
    attributes,
    h('caption', { class: 'skip' }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((header) => h('th', { scope: 'col' }, header)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length === 0
        ? h(
            'tr',
            {},
            h('td', { colspan: headers.length, class: 'muted' }, 'none'),
          )
        : rows.map((row) =>
            h(
              'tr',
              {},
              row.map((cell) => h('td', {}, cell)),
            ),
          ),
    ),
  );
  return h(
    'div',
    {
      class: 'table-scroll',
      tabindex: 0,
      role: 'region',
      'aria-label': caption,
    },
    table,
  );
}

/** A labelled usage bar: `used/total` with the share filled. */
export function bar(
  label: string,
  used: number,
  total: number,
  unit = '',
): HTMLElement {
  const share = total > 0 ? Math.min(1, used / total) : 0;
  const text = `${round(used)}/${round(total)}${unit}`;
  return h(
    'div',
    { class: 'bar' },
    h('span', {}, label),
    h(
      'div',
      {
        class: 'track',
        role: 'meter',
        'aria-label': `${label} in use`,
        'aria-valuemin': 0,
        'aria-valuemax': total,
        'aria-valuenow': used,
        'aria-valuetext': text,
      },
      h('div', {
        class: `fill${share > 0.85 ? ' high' : ''}`,
        style: `width:${(share * 100).toFixed(1)}%`,
      }),
    ),
    h('span', { class: 'mono' }, text),
  );
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** Asks before a change; resolves true when confirmed (a native modal dialog: focus trapped, Esc cancels). */
export function confirmAction(
  question: string,
  confirmLabel: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, 'Please confirm'),
      h('p', {}, question),
      h(
        'form',
        { method: 'dialog', class: 'actions' },
        h('button', { value: 'cancel', class: 'secondary' }, 'Cancel'),
        h(
          'button',
          { value: 'confirm', class: 'danger', 'data-confirm': '' },
          confirmLabel,
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}
