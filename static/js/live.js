// Live bell: the unread count arrives over Server-Sent Events (GET /notifications/stream) and is updated in place.
// Without this file (or without EventSource) the bell is simply current as of the last page load.

(function () {
  if (!('EventSource' in window)) return;
  const bell = document.querySelector('a.bell');
  if (!bell) return;

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

  const source = new window.EventSource('/notifications/stream');
  source.addEventListener('notification', (event) => {
    try {
      showCount(JSON.parse(event.data));
    } catch {
      // A malformed event changes nothing.
    }
  });
  // The browser reconnects by itself after a dropped connection; a refusal (401, 429) closes the stream for good.
})();
