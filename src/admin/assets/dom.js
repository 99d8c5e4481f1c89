// A few DOM helpers instead of a framework: h() builds elements, dialogs are native <dialog>s
// (focus trapped and Escape closes, by the browser).

/** h('button.primary', { onclick }, 'Save'): tag with optional .classes and #id, attributes, children. */
export function h(spec, attrs, ...children) {
  const [, tag, rest] = /^([a-z0-9-]*)(.*)$/.exec(spec);
  const el = document.createElement(tag || 'div');
  for (const m of rest.matchAll(/([.#])([\w-]+)/g)) {
    if (m[1] === '.') el.classList.add(m[2]);
    else el.id = m[2];
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = undefined;
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A message line; kind: 'error' | 'ok' | 'warn'. */
export function note(kind, text) {
  return h(`p.note.${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, text);
}

/**
 * A modal form. `body` is the dialog's content; resolves with submit()'s result or null on cancel.
 * submit() may throw: its message is shown and the dialog stays open.
 */
export function modal(title, body, { ok = 'OK', danger = false, submit = () => true } = {}) {
  return new Promise((resolve) => {
    const error = h('div.dialog-error');
    const okBtn = h(`button${danger ? '.danger' : '.primary'}`, { type: 'submit' }, ok);
    const form = h('form', { method: 'dialog' }, h('h2', title), body, error,
      h('div.actions', h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel'), okBtn));
    const dlg = h('dialog', form);
    let result = null;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      okBtn.disabled = true;
      try {
        result = await submit();
        dlg.close();
      } catch (err) {
        replace(error, note('error', err.message));
      } finally {
        okBtn.disabled = false;
      }
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

export function labeled(label, input) {
  return h('label.field', h('span', label), input);
}
