// Read marks for posts that reach the topic page after it loaded (a reply added in place, a live update).
// Loading a page already marks every post on it as read (server side, in the activity buffer); this only covers
// what arrives later, so most page views send nothing. It tells the server the last such post seen on screen,
// debounced; the server feeds the same in-memory buffer as page views (no database write per request).
// Without this file (or JavaScript) the next page view marks those posts instead.

(function () {
  const match = /^\/t\/(\d+)(?:\/|$)/.exec(window.location.pathname);
  if (!match || !('IntersectionObserver' in window)) return;
  const topicId = match[1];
  const endpoint = '/t/' + topicId + '/read';

  /** The CSRF token htmx sends (from the body's hx-headers); no token, no beacon. */
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRF-Token'] || '';
    } catch {
      return '';
    }
  }

  const posts = () => Array.from(document.querySelectorAll('article.post[id^="post-"]'));
  // Posts present at load were marked read by the page view itself.
  const atLoad = new Set(posts());
  let sentIndex = -1;
  let pending = null;
  let timer = null;

  function send() {
    timer = null;
    if (!pending || !pending.isConnected) return;
    const all = posts();
    const index = all.indexOf(pending);
    pending = null;
    if (index <= sentIndex) return;
    const postId = all[index].id.slice('post-'.length);
    const token = csrfToken();
    if (!/^\d+$/.test(postId) || !token) return;
    sentIndex = index;
    window.fetch(endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      keepalive: true,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': token },
      body: 'post_id=' + encodeURIComponent(postId),
    }).catch(() => {
      // A lost beacon costs nothing: the next page view marks the post.
    });
  }

  const observer = new window.IntersectionObserver((entries) => {
    const all = posts();
    for (const entry of entries) {
      if (!entry.isIntersecting || atLoad.has(entry.target)) continue;
      // Keep the last post in page order among those seen (posts are in post-number order on the page).
      if (!pending || all.indexOf(entry.target) > all.indexOf(pending)) pending = entry.target;
    }
    if (pending && !timer) timer = window.setTimeout(send, 1500);
  }, { threshold: 0, rootMargin: '0px 0px -30% 0px' }); // in the upper 70 % of the screen, however tall the post

  function watchNew() {
    for (const post of posts()) if (!atLoad.has(post)) observer.observe(post);
  }
  // Any way a post arrives (an htmx swap, a live update) is a change to the DOM; observing twice is harmless.
  let queued = false;
  new window.MutationObserver(() => {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(() => {
      queued = false;
      watchNew();
    });
  }).observe(document.body, { childList: true, subtree: true });
  // Leaving the page: send what was seen but not yet sent.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden' && timer) {
      window.clearTimeout(timer);
      send();
    }
  });
})();
