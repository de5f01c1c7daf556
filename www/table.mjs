// The token table: one row per loaded token, sorted and searched in the page, with selection
// checkboxes, keyboard navigation between rows, and pages loaded through the `nextStart` cursor
// ("Load more", or "Load all", which the client paces by the rate limit).
//
// Rows are built once per token and kept; sorting and searching only reorder or leave out the
// kept rows. Beyond VIRTUAL_MIN rows, only the rows in (and near) the scrolled view are in the
// document, between two spacer rows that stand for the others, so that a keystroke, a sort or a
// page of "Load all" lays out some fifty rows rather than a thousand. Every row has the same
// height (cells hold one line), which is what the spacers' heights are computed from; the table
// says how many rows it has (aria-rowcount) and each row where it is (aria-rowindex).
import { $, count, formatNumber, say, sayError, shortDate, tokenName, watchRateLimit } from './ui.mjs';

let collator = null; // made on first use: see ui.mjs on Intl
const compareNotes = (a, b) => (collator ??= new Intl.Collator(undefined, { sensitivity: 'base', numeric: true })).compare(a, b);
const SCOPES_SHOWN = 3;
const LOAD_ALL_PAGE = 100;
const VIRTUAL_MIN = 100; // up to this many rows, all are in the document
const OVERSCAN = 12; // rows rendered beyond each edge of the view

/** Orders by each sortable column; ties (and empty notes, which go last) fall back to creation. */
const COMPARE = {
  created: (a, b) => compareText(a.created, b.created) || compareText(a.id, b.id),
  modified: (a, b) => compareText(a.modified, b.modified) || COMPARE.created(a, b),
  note: (a, b) => (!a.note - !b.note) || compareNotes(a.note ?? '', b.note ?? '') || COMPARE.created(a, b),
};
const compareText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** What the search box looks through: note, id, scopes and allowed URLs. */
const searchText = (token) => [token.note ?? '', token.id, ...token.scopes, ...(token.allowedUrls ?? [])].join('\n').toLowerCase();

/**
 * @param {{ session: { client: object|null, ownId: string|null },
 *   onOpen: (token: object, options: { focus: boolean }) => void,
 *   onChange: () => void }} options `onOpen` shows a token's details; `onChange` runs after
 *   tokens were loaded, added, changed or removed
 */
export function tokenTable({ session, onOpen, onChange }) {
  const table = $('token-table');
  const tbody = table.tBodies[0];
  const scroller = $('table-scroll');
  const status = $('list-status');
  const tableCount = $('table-count');
  const empty = $('table-empty');
  const more = $('load-more');
  const all = $('load-all');
  const stop = $('load-stop');
  const progress = $('load-progress');
  const progressText = $('load-text');
  const search = $('search');
  const selectAll = $('select-all');
  const selectionCount = $('selection-count');
  const deleteSelected = $('delete-selected');

  /** id → token, in the order loaded. */
  const tokens = new Map();
  /** id → its row, built once per version of the token. */
  const rows = new Map();
  /** id → what the search looks through, lower case. */
  const haystacks = new Map();
  const selected = new Set();
  let order = []; // every loaded id, sorted
  let shown = []; // the ids whose rows are in the table, in order
  let terms = [];
  let sort = { key: 'created', descending: false };
  let nextStart = null;
  let generation = 0; // a reload makes pages of an older load stale
  let activeId = null; // the row reachable with Tab
  let currentId = null; // the row whose details are open
  let loadingAll = null; // the AbortController of "Load all"
  let firstPaintMarked = false;
  let placed = []; // what tbody holds: ids, and numbers for spacers' heights
  let rowHeight = 0; // px from one row's top to the next one's, measured; 0: not yet
  let windowed = false;

  // --- loading -----------------------------------------------------------------------------

  function filters() {
    const usage = $('filter-usage').value;
    const isDefault = $('filter-default').value;
    return {
      ...(usage && { usage }),
      ...(isDefault && { default: isDefault === 'true' }),
      limit: Number($('page-size').value),
    };
  }

  /** Reads a page (the first one when `fresh`); rejects with the MapboxError. */
  async function load(fresh) {
    const mine = fresh ? ++generation : generation;
    if (fresh) stopLoadingAll();
    const { data, nextStart: next } = await session.client.listTokens({ ...filters(), ...(fresh ? {} : { start: nextStart }) });
    if (mine !== generation) return;
    if (fresh) forget();
    putAll(data);
    nextStart = next;
    if (fresh) pruneSelection();
    updated();
    say(status, '');
  }

  /** Loads in answer to the user, showing a failure in the status line. */
  async function loadShowingErrors(fresh) {
    more.disabled = all.disabled = true;
    try {
      await load(fresh);
    } catch (err) {
      sayError(status, err);
    } finally {
      more.disabled = all.disabled = false;
    }
  }

  /** Every remaining page, 100 tokens at a time; the client holds requests beyond the rate limit. */
  async function loadAll() {
    if (loadingAll || nextStart === null || !session.client) return;
    const mine = generation;
    const controller = (loadingAll = new AbortController());
    let wait = '';
    const showProgress = () => {
      progressText.textContent = `Loading every token: ${count(tokens.size, 'token')} loaded so far.${wait ? ` ${wait}` : ''}`;
    };
    const stopWatching = watchRateLimit(session.client, (text) => {
      wait = text;
      showProgress();
    });
    progress.hidden = false;
    stop.hidden = false;
    updateLoadButtons();
    showProgress();
    try {
      while (nextStart !== null && mine === generation && !controller.signal.aborted) {
        const { data, nextStart: next } = await session.client.listTokens({ ...filters(), limit: LOAD_ALL_PAGE, start: nextStart, signal: controller.signal });
        if (mine !== generation) return;
        putAll(data);
        nextStart = next;
        updated();
        showProgress();
      }
      if (mine === generation) say(status, controller.signal.aborted ? 'Stopped loading.' : `Loaded every token: ${count(tokens.size, 'token')}.`, 'ok');
    } catch (err) {
      if (mine === generation) {
        if (controller.signal.aborted) say(status, 'Stopped loading.');
        else sayError(status, err);
      }
    } finally {
      stopWatching();
      if (loadingAll === controller) loadingAll = null;
      progress.hidden = true;
      stop.hidden = true;
      updateLoadButtons();
      if (document.activeElement === document.body || document.activeElement === stop) (all.hidden ? rowOfActive() : all)?.focus();
    }
  }

  function stopLoadingAll() {
    loadingAll?.abort();
  }

  function updateLoadButtons() {
    const complete = nextStart === null;
    more.hidden = complete || loadingAll !== null;
    all.hidden = complete || loadingAll !== null;
  }

  // --- the model ---------------------------------------------------------------------------

  function forget() {
    tokens.clear();
    rows.clear();
    haystacks.clear();
    order = [];
    nextStart = null;
  }

  function pruneSelection() {
    for (const id of selected) if (!tokens.has(id)) selected.delete(id);
  }

  /** Adds tokens, or updates those already loaded, without rendering. */
  function putAll(list) {
    for (const token of list) {
      if (!tokens.has(token.id)) order.push(token.id);
      tokens.set(token.id, token);
      haystacks.set(token.id, searchText(token));
      rows.delete(token.id); // rebuilt on render
    }
    sortOrder();
  }

  function removeAll(ids) {
    const gone = new Set(ids);
    const focusedRow = document.activeElement?.closest?.('#token-table tbody tr');
    let neighbour = null;
    if (focusedRow && gone.has(focusedRow.dataset.id)) {
      const at = shown.indexOf(focusedRow.dataset.id);
      neighbour = shown.slice(at + 1).find((id) => !gone.has(id)) ?? shown.slice(0, at).reverse().find((id) => !gone.has(id));
    }
    for (const id of gone) {
      tokens.delete(id);
      rows.delete(id);
      haystacks.delete(id);
      selected.delete(id);
      if (currentId === id) currentId = null;
    }
    order = order.filter((id) => !gone.has(id));
    updated();
    if (neighbour) focusRow(neighbour);
    else if (focusedRow) (shown.length ? rowOf(shown[0]) : search).focus();
  }

  function sortOrder() {
    const compare = COMPARE[sort.key];
    order.sort((a, b) => compare(tokens.get(a), tokens.get(b)));
    if (sort.descending) order.reverse();
  }

  /** Renders, then tells the rest of the page. */
  function updated() {
    render();
    updateLoadButtons();
    onChange();
  }

  // --- rendering ---------------------------------------------------------------------------

  function render() {
    const next = terms.length ? order.filter((id) => matches(haystacks.get(id))) : order;
    const stale = next.length !== shown.length || next.some((id, i) => id !== shown[i] || !rows.has(id));
    if (stale) shown = next.slice();
    if (!tokens.has(activeId) || !shown.includes(activeId)) setActive(shown[0] ?? null);
    place(stale);
    if (!firstPaintMarked && shown.length) {
      // Element Timing: the browser reports when the first row is painted (the tests read it).
      firstPaintMarked = true;
      rowOf(shown[0]).querySelector('.note-text').setAttribute('elementtiming', 'first-token-row');
    }
    showCounts();
    showSelection();
  }

  /** Puts the rows to show in tbody: all of them, or those of the scrolled view between spacers. */
  function place(force = false) {
    const n = shown.length;
    windowed = n > VIRTUAL_MIN;
    let next;
    if (!windowed) {
      next = shown;
      table.removeAttribute('aria-rowcount');
    } else {
      const height = rowHeight || measure();
      const header = table.tHead.offsetHeight;
      const top = Math.max(0, scroller.scrollTop - header);
      const view = scroller.clientHeight || window.innerHeight;
      const first = Math.min(n, Math.max(0, Math.floor(top / height) - OVERSCAN));
      const last = Math.min(n, Math.ceil((top + view) / height) + OVERSCAN);
      const indices = [];
      for (let i = first; i < last; i++) indices.push(i);
      // The row with the keyboard focus stays in the document wherever the view goes.
      const active = tbody.contains(document.activeElement) ? shown.indexOf(activeId) : -1;
      if (active >= 0 && (active < first || active >= last)) indices.push(active);
      indices.sort((a, b) => a - b);
      next = [];
      let at = 0;
      for (const i of indices) {
        if (i > at) next.push((i - at) * height);
        next.push(shown[i]);
        at = i + 1;
      }
      if (n > at) next.push((n - at) * height);
      table.setAttribute('aria-rowcount', String(n + 1));
      for (const i of indices) rowOf(shown[i]).setAttribute('aria-rowindex', String(i + 2));
    }
    if (!force && next.length === placed.length && next.every((item, i) => item === placed[i])) return;
    placed = next;
    update(next.map((item) => (typeof item === 'number' ? spacer(item) : rowOf(item))));
  }

  /**
   * Makes tbody hold `nodes`, leaving in place the rows that stay: a row taken out of the
   * document, even for a moment, loses the keyboard focus.
   */
  function update(nodes) {
    const keep = new Set(nodes);
    for (const child of [...tbody.children]) if (!keep.has(child)) child.remove();
    let at = tbody.firstElementChild;
    for (const node of nodes) {
      if (node === at) at = at.nextElementSibling;
      else tbody.insertBefore(node, at);
    }
  }

  /** The height of a row (with its border or margin), from rows put in the document to measure. */
  function measure() {
    const sample = shown.slice(0, 2).map(rowOf);
    update(sample);
    placed = [];
    const height = sample.length === 2 ? sample[1].offsetTop - sample[0].offsetTop : sample[0].offsetHeight;
    // While the table is hidden nothing can be measured: an estimate, measured again once shown.
    if (height > 0) rowHeight = height;
    return height > 0 ? height : 40;
  }

  /** Scrolls the table so that the row at `index` is in view (below the sticky header). */
  function scrollToIndex(index) {
    if (!windowed) return;
    const height = rowHeight || measure();
    const header = table.tHead.offsetHeight;
    const sticky = getComputedStyle(table.tHead.rows[0].cells[1]).position === 'sticky';
    const top = header + index * height;
    const viewTop = scroller.scrollTop + (sticky ? header : 0);
    const viewBottom = scroller.scrollTop + scroller.clientHeight;
    if (top < viewTop) scroller.scrollTop = top - (sticky ? header : 0);
    else if (top + height > viewBottom) scroller.scrollTop = top + height - scroller.clientHeight;
    place();
  }

  let scrollQueued = false;
  scroller.addEventListener('scroll', () => {
    if (!windowed || scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      place();
    });
  }, { passive: true });
  // A new width (e.g. the narrow layout) changes the rows' height: measured again.
  let lastWidth = 0;
  new ResizeObserver(() => {
    if (scroller.clientWidth === lastWidth && rowHeight) return;
    lastWidth = scroller.clientWidth;
    rowHeight = 0;
    if (windowed) place(true);
  }).observe(scroller);

  function matches(haystack) {
    for (const term of terms) if (!haystack.includes(term)) return false;
    return true;
  }

  function rowOf(id) {
    let row = rows.get(id);
    if (!row) {
      row = buildRow(tokens.get(id));
      rows.set(id, row);
    }
    return row;
  }

  // Built with plain DOM calls: a thousand rows in a few milliseconds.
  function buildRow(token) {
    const name = tokenName(token);
    const row = document.createElement('tr');
    row.dataset.id = token.id;
    row.dataset.usage = token.usage;
    row.tabIndex = token.id === activeId ? 0 : -1;
    if (token.id === currentId) row.setAttribute('aria-current', 'true');

    const box = document.createElement('input');
    box.type = 'checkbox';
    box.tabIndex = -1;
    box.className = 'row-select';
    box.checked = selected.has(token.id);
    box.setAttribute('aria-label', `Select ${name}`);
    row.append(cell('td', 'select', null, box));

    // One line: the note gives way (with an ellipsis) before the badge does.
    const line = span('note-line', '');
    line.append(token.note ? span('note-text', token.note) : span('note-text muted', 'No note'));
    if (token.id === session.ownId) {
      const own = span('badge own', 'This page');
      own.append(span('visually-hidden', '’s token'));
      line.append(' ', own);
    }
    const note = cell('th', 'note-cell', 'Note', line);
    note.scope = 'row';
    row.append(note);

    const usage = [span(`badge usage-${token.usage}`, token.usage)];
    if (token.default) usage.push(' ', span('badge default', 'Default'));
    row.append(cell('td', 'usage', 'Usage', ...usage));

    const scopes = token.scopes;
    const first = scopes.slice(0, SCOPES_SHOWN).join(', ') + (scopes.length > SCOPES_SHOWN ? ', …' : '');
    const scopeCount = span('scope-count', formatNumber(scopes.length));
    scopeCount.append(span('visually-hidden', scopes.length === 1 ? ' scope' : ' scopes'));
    row.append(cell('td', 'scopes', 'Scopes', scopeCount, scopes.length ? ` ${first}` : ''));

    const urls = token.allowedUrls?.length ?? 0;
    row.append(cell('td', 'urls', 'URL restriction', urls ? count(urls, 'URL') : 'Any URL'));
    row.append(cell('td', 'date', 'Created', dateEl(token.created)));
    row.append(cell('td', 'date', 'Modified', dateEl(token.modified)));
    return row;
  }

  function showCounts() {
    const total = tokens.size;
    const rest = nextStart === null ? '' : ' More tokens can be loaded.';
    if (terms.length) {
      tableCount.textContent = `${formatNumber(shown.length)} of ${count(total, 'loaded token')} ${shown.length === 1 ? 'matches' : 'match'} “${search.value.trim()}”.${rest}`;
    } else {
      tableCount.textContent = nextStart === null ? `${count(total, 'token')}: that is all of them.` : `${count(total, 'token')} loaded.${rest}`;
    }
    empty.hidden = shown.length > 0;
    empty.textContent = total === 0 ? 'No tokens.' : 'No loaded token matches the search.';
  }

  // --- selection ---------------------------------------------------------------------------

  function showSelection() {
    const shownSelected = shown.reduce((n, id) => n + selected.has(id), 0);
    selectAll.checked = shown.length > 0 && shownSelected === shown.length;
    selectAll.indeterminate = shownSelected > 0 && shownSelected < shown.length;
    selectAll.disabled = shown.length === 0;
    selectionCount.textContent = selected.size === 0 ? 'No token selected.'
      : `${count(selected.size, 'token')} selected${shownSelected < selected.size ? ` (${formatNumber(selected.size - shownSelected)} not shown by the search)` : ''}.`;
    deleteSelected.disabled = selected.size === 0;
  }

  function setSelected(id, on) {
    if (on) selected.add(id);
    else selected.delete(id);
    const box = rows.get(id)?.querySelector('.row-select');
    if (box) box.checked = on;
  }

  selectAll.addEventListener('change', () => {
    for (const id of shown) setSelected(id, selectAll.checked);
    showSelection();
  });

  // --- keyboard and mouse ------------------------------------------------------------------

  function setActive(id) {
    if (activeId !== null) {
      const old = rows.get(activeId);
      if (old) old.tabIndex = -1;
    }
    activeId = id;
    const row = id === null ? null : rows.get(id);
    if (row) row.tabIndex = 0;
  }

  function rowOfActive() {
    return activeId === null ? null : rows.get(activeId);
  }

  function focusRow(id) {
    const index = shown.indexOf(id);
    if (index < 0) return false;
    setActive(id);
    scrollToIndex(index);
    const row = rowOf(id);
    if (!row.isConnected) place(true);
    row.focus();
    return true;
  }

  function open(id, focus) {
    const token = tokens.get(id);
    if (token) onOpen(token, { focus });
  }

  tbody.addEventListener('focusin', (event) => {
    const row = event.target.closest('tr[data-id]');
    if (row) setActive(row.dataset.id);
  });

  tbody.addEventListener('change', (event) => {
    if (!event.target.classList.contains('row-select')) return;
    setSelected(event.target.closest('tr[data-id]').dataset.id, event.target.checked);
    showSelection();
  });

  tbody.addEventListener('click', (event) => {
    const row = event.target.closest('tr[data-id]');
    if (!row || event.target.closest('input, button, a, label')) return;
    if (getSelection().type === 'Range') return; // the user is selecting text
    open(row.dataset.id, false);
  });

  tbody.addEventListener('keydown', (event) => {
    const row = event.target.closest('tr[data-id]');
    if (!row || event.altKey || event.ctrlKey || event.metaKey) return;
    const at = shown.indexOf(row.dataset.id);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: shown.length - 1, PageDown: at + 10, PageUp: at - 10 };
    if (event.key in moves) {
      event.preventDefault();
      const to = Math.min(shown.length - 1, Math.max(0, moves[event.key]));
      focusRow(shown[to]);
    } else if (event.key === 'Enter' && event.target === row) {
      event.preventDefault();
      open(row.dataset.id, true);
    } else if (event.key === ' ' && event.target === row) {
      event.preventDefault();
      const id = row.dataset.id;
      setSelected(id, !selected.has(id));
      showSelection();
    }
  });

  for (const th of table.tHead.querySelectorAll('th[data-sort]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.sort;
      sort = { key, descending: sort.key === key ? !sort.descending : false };
      for (const other of table.tHead.querySelectorAll('th[data-sort]')) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
      sortOrder();
      render();
    });
  }

  search.addEventListener('input', () => {
    const query = search.value.trim().toLowerCase().replace(/\s+/g, ' ');
    terms = query ? [query] : [];
    render();
  });

  const form = $('filters');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    loadShowingErrors(true);
  });
  // The search filters in the page; the other controls ask the API for a new first page.
  form.addEventListener('change', (event) => {
    if (event.target !== search) loadShowingErrors(true);
  });
  // On narrow screens the filters but the search fold behind a button (see style.css).
  const filtersButton = $('filters-button');
  filtersButton.addEventListener('click', () => {
    const open = filtersButton.getAttribute('aria-expanded') !== 'true';
    filtersButton.setAttribute('aria-expanded', String(open));
    form.classList.toggle('open', open);
  });
  more.addEventListener('click', async () => {
    const before = new Set(order);
    await loadShowingErrors(false);
    // When the button goes away, keep the keyboard in place: on the first token just loaded.
    if (more.hidden) focusRow(shown.find((id) => !before.has(id)) ?? shown[0]);
  });
  all.addEventListener('click', () => loadAll());
  stop.addEventListener('click', stopLoadingAll);

  return {
    /** Loads the first page; rejects with the MapboxError (for the connect form to show). */
    reload: () => load(true),
    loadAll,
    clear() {
      generation++;
      stopLoadingAll();
      forget();
      selected.clear();
      currentId = null;
      activeId = null;
      shown = [];
      placed = [];
      tbody.replaceChildren();
      table.removeAttribute('aria-rowcount');
      tableCount.textContent = '';
      empty.hidden = true;
      updateLoadButtons();
      showSelection();
      say(status, '');
    },
    /** A token created or changed elsewhere in the page. */
    put(token) {
      putAll([token]);
      updated();
    },
    removed: (ids) => removeAll(ids),
    get: (id) => tokens.get(id),
    /** Every loaded token, in the table's order. */
    tokens: () => order.map((id) => tokens.get(id)),
    /** Whether every page is loaded. */
    complete: () => nextStart === null,
    /** The selected tokens, in the table's order. */
    selection: () => order.filter((id) => selected.has(id)).map((id) => tokens.get(id)),
    /** Marks the row whose details are open. */
    setCurrent(id) {
      rows.get(currentId)?.removeAttribute('aria-current');
      currentId = id;
      rows.get(id)?.setAttribute('aria-current', 'true');
    },
    focusRow,
    /** Where the keyboard goes back to the table: the row reachable with Tab, else the search box. */
    focusTarget: () => (rowOfActive()?.isConnected ? rowOfActive() : search),
    say: (text, kind = 'ok') => say(status, text, kind),
  };
}

/** A cell; a labelled one (`data-label`, shown on narrow screens) holds its content in one span. */
function cell(tag, className, label, ...children) {
  const el = document.createElement(tag);
  el.className = className;
  if (label && tag === 'td') {
    el.dataset.label = label;
    const value = document.createElement('span');
    value.append(...children);
    el.append(value);
  } else {
    el.append(...children);
  }
  return el;
}

/** A row standing for `height` pixels of rows that are not in the document. */
function spacer(height) {
  const row = document.createElement('tr');
  row.className = 'spacer';
  row.setAttribute('aria-hidden', 'true');
  const filler = document.createElement('td');
  filler.colSpan = 7;
  filler.style.height = `${height}px`; // CSSOM, which the page's CSP allows (style attributes it does not)
  row.append(filler);
  return row;
}

function span(className, text) {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  return el;
}

function dateEl(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const el = document.createElement('time');
  el.dateTime = iso;
  el.textContent = shortDate(date);
  return el;
}
