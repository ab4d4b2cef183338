// Small progressive enhancements; every page works without this file.
document.addEventListener('htmx:afterSwap', (event) => {
  const target = event.detail.target;
  if (target && target.id === 'reply-form') {
    const area = document.querySelector('#reply-form textarea');
    if (area) {
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
    }
  }
  const editArea = target && target.querySelector && target.querySelector('.edit-form textarea');
  if (editArea) editArea.focus();
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
