// Small progressive enhancements; every page works without this file.

/** Moves keyboard focus to a post (and into view) after it was added or replaced, so focus is never lost to <body>. */
function focusPost(post) {
  if (!post) return;
  if (!post.hasAttribute('tabindex')) post.setAttribute('tabindex', '-1');
  post.focus({ preventScroll: true });
  post.scrollIntoView({ block: 'nearest' });
}

document.addEventListener('htmx:afterSwap', (event) => {
  const target = event.detail.target;
  if (!target) return;
  // A quote swapped the reply form in: put the cursor at the end of the quoted text.
  if (target.id === 'reply-form' && target.isConnected) {
    const area = document.querySelector('#reply-form textarea');
    if (area) {
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
    }
  }
  // The inline editor was loaded into a post.
  const editArea = target.querySelector && target.querySelector('.edit-form textarea');
  if (editArea) editArea.focus();
});

document.addEventListener('htmx:afterSettle', (event) => {
  const target = event.detail.target;
  if (!target || !event.detail.successful) return;
  // A reply was appended: show it and give it focus.
  if (target.id === 'posts' && event.target === target) {
    const posts = target.querySelectorAll(':scope > article.post');
    focusPost(posts[posts.length - 1]);
  }
  // A post was replaced in place (saved edit, delete, restore): the old element is gone, focus its successor.
  if (!target.isConnected && /^post-\d+$/.test(target.id)) focusPost(document.getElementById(target.id));
});

// Close the account menu when clicking elsewhere or pressing Escape.
document.addEventListener('click', (event) => {
  document.querySelectorAll('details.menu[open]').forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute('open');
  });
});
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  document.querySelectorAll('details.menu[open]').forEach((menu) => {
    menu.removeAttribute('open');
    menu.querySelector('summary')?.focus();
  });
});
