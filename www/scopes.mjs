// The scope picker: checkboxes for the scopes `listScopes` offers, public and secret ones apart,
// and the live preview of the token they make.
import { PUBLIC_SCOPES, tokenUsageFor } from '../pkg/web/mapbox_tokens.js';
import { h } from './ui.mjs';

/** The catalogue used when `listScopes` is not allowed: the public scopes only. */
export const fallbackScopes = () => PUBLIC_SCOPES.map((id) => ({ id, description: '', public: true }));

/** Scopes outside the catalogue (e.g. a token's own, when the catalogue is the fallback) are added to it. */
export function withScopes(catalogue, ids) {
  const known = new Set(catalogue.map((s) => s.id));
  const extra = ids.filter((id) => !known.has(id)).map((id) => ({ id, description: '', public: PUBLIC_SCOPES.includes(id) || undefined }));
  return [...catalogue, ...extra];
}

/** What a token with these scopes would be, as a sentence, from the offline helper. */
export function usagePreview(ids) {
  if (ids.length === 0) return 'Pick at least one scope.';
  return tokenUsageFor(ids) === 'pk'
    ? 'This will be a public (pk) token: every scope is public, so it may be used in browsers and apps.'
    : 'This will be a secret (sk) token: keep it on servers. It is shown only once, right after it is made.';
}

/**
 * Turns `container` (an empty element with an id and `data-legend`) into a scope picker.
 * `onChange(ids)` runs whenever the selection changes.
 */
export function scopePicker(container, onChange = () => {}) {
  let boxes = [];
  const selected = () => boxes.filter((b) => b.checked).map((b) => b.value);
  const changed = () => onChange(selected());
  container.addEventListener('change', changed);

  const row = (scope) => {
    const id = `${container.id}-${scope.id.replace(/[^a-z0-9-]/gi, '-')}`;
    const box = h('input', { type: 'checkbox', id, value: scope.id });
    boxes.push(box);
    return h('li', { class: 'check' }, box, h('label', { for: id }, h('span', { class: 'scope-id' }, scope.id), scope.description ? h('span', { class: 'scope-description' }, ` ${scope.description}`) : null));
  };

  return {
    selected,
    /** Shows `catalogue` (`Scope[]`), nothing ticked. */
    setScopes(catalogue) {
      boxes = [];
      const pub = catalogue.filter((s) => s.public);
      const secret = catalogue.filter((s) => !s.public);
      container.replaceChildren(
        h('fieldset', {},
          h('legend', {}, container.dataset.legend),
          h('div', { class: 'scope-group public' },
            h('h3', {}, `Public scopes (${pub.length})`, h('span', { class: 'help' }, ' allowed in public (pk) tokens')),
            h('ul', { class: 'scope-list' }, pub.map(row))),
          secret.length > 0 &&
            h('details', { class: 'scope-group secret' },
              h('summary', {}, `Secret scopes (${secret.length})`, h('span', { class: 'help' }, ' any of them makes a secret (sk) token')),
              h('ul', { class: 'scope-list' }, secret.map(row)))),
      );
      changed();
    },
    /** Ticks exactly `ids`; `locked(id)` true disables a box (e.g. secret scopes of a pk token). */
    select(ids, locked = () => false) {
      for (const box of boxes) {
        box.checked = ids.includes(box.value);
        box.disabled = locked(box.value) && !box.checked;
      }
      const details = container.querySelector('details');
      if (details) details.open = boxes.some((b) => b.checked && details.contains(b));
      changed();
    },
  };
}
