// Live updates over Server-Sent Events (GET /notifications/stream): the bell's unread count, and on the last page of
// a topic a polite "N new replies — show" bar; the replies themselves are fetched through an ordinary GET that checks
// what this viewer may see (GET /t/:id/after/:n). Without this file (or without EventSource) pages are simply current
// as of their last load.

(function () {
  if (!('EventSource' in window)) return;
  const bell = document.querySelector('a.bell');
  if (!bell) return;
  const bar = document.getElementById('live-topic');
  const posts = document.getElementById('posts');
  const topic = bar && posts ? bar.dataset.topic : null;
  const lang = document.documentElement.lang || 'en';
  const plural = new Intl.PluralRules(lang);
  /** The highest post number on the page, and the announced posts not shown yet (post id → number). */
  let after = topic ? Number(bar.dataset.after) || 0 : 0;
  const pending = new Map();

  /** Shows a count on the bell: the badge text, and the label screen readers hear. */
  function showCount(data) {
    let badge = bell.querySelector('.bell-count');
    if (data.unread > 0) {
      if (!badge) {
        badge = document.createElement('span');
        badge.className = 'bell-count';
        badge.setAttribute('aria-hidden', 'true');
        bell.appendChild(badge);
      }
      badge.textContent = data.text;
    } else if (badge) {
      badge.remove();
    }
    if (data.label) bell.setAttribute('aria-label', data.label);
  }

  function button() {
    return bar.querySelector('button');
  }

  /** Shows or hides the bar for the posts still pending (one on the page already, e.g. the viewer's own, is not). */
  function updateBar() {
    for (const [id, n] of pending) if (n <= after || document.getElementById('post-' + id)) pending.delete(id);
    const b = button();
    const slot = b.parentElement;
    if (!pending.size) {
      slot.hidden = true;
      return;
    }
    const text = bar.dataset[plural.select(pending.size)] || bar.dataset.other || '';
    b.querySelector('.live-topic-label').textContent = text.replace('{count}', pending.size.toLocaleString(lang));
    slot.hidden = false;
  }

  /** Fetches the posts after the last one shown and appends those not on the page yet; focus goes to the first. */
  async function showNew() {
    const b = button();
    b.disabled = true;
    try {
      const res = await window.fetch('/t/' + topic + '/after/' + after, { headers: { 'HX-Request': 'true' }, credentials: 'same-origin' });
      if (res.status === 404) pending.clear();
      if (!res.ok) return;
      const last = Number(res.headers.get('X-Last-Post-Number'));
      const tpl = document.createElement('template');
      tpl.innerHTML = await res.text();
      let first = null;
      for (const node of Array.from(tpl.content.children)) {
        const old = node.id ? document.getElementById(node.id) : null;
        if (node.hasAttribute('hx-swap-oob')) {
          node.removeAttribute('hx-swap-oob');
          if (old) old.replaceWith(node);
        } else if (!old) {
          posts.appendChild(node);
          first = first || node;
        } else {
          continue;
        }
        if (window.htmx) window.htmx.process(node);
      }
      if (last > after) after = last;
      if (first) {
        first.setAttribute('tabindex', '-1');
        first.focus();
      }
    } catch {
      // Offline for a moment: the bar stays, and a click tries again.
    } finally {
      b.disabled = false;
      updateBar();
    }
  }

  if (topic) {
    bar.addEventListener('click', (event) => {
      if (event.target.closest('button')) void showNew();
    });
    // The viewer's own reply is appended by htmx: it is no longer "new".
    document.body.addEventListener('htmx:afterSwap', () => updateBar());
  }

  // Reconnecting is done here rather than by the browser, so that a topic page tells the server the last post it
  // shows and hears at once of any it missed while away. A dropped stream comes back after a few seconds; a refusal
  // (401 signed out, 404 topic gone, 429 too many open windows) is tried again later, waiting longer each time.
  const RETRY_MIN = 30000;
  let delay = RETRY_MIN;
  function connect() {
    let opened = false;
    const query = topic ? '?topic=' + encodeURIComponent(topic) + '&after=' + after : '';
    const source = new window.EventSource('/notifications/stream' + query);
    source.addEventListener('open', () => {
      opened = true;
      delay = RETRY_MIN;
    });
    source.addEventListener('notification', (event) => {
      try {
        showCount(JSON.parse(event.data));
      } catch {
        // A malformed event changes nothing.
      }
    });
    source.addEventListener('post', (event) => {
      try {
        const data = JSON.parse(event.data);
        if (!topic || String(data.topic) !== topic || !(data.n > after)) return;
        pending.set(data.post, data.n);
        updateBar();
      } catch {
        // As above.
      }
    });
    source.addEventListener('error', () => {
      source.close();
      if (opened) {
        window.setTimeout(connect, 3000);
        return;
      }
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10 * 60 * 1000);
    });
  }
  connect();
})();
