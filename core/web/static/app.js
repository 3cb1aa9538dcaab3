// Periscope's only script: copy buttons. A button with data-copy="ID"
// copies the value (or text) of the element with that id to the
// clipboard. The buttons are hidden in the markup and shown here, so
// without JavaScript the page shows the text, selectable, and no dead
// button. Loaded from /static (the Content-Security-Policy allows no
// inline script).
'use strict';

function copyText(id) {
  const el = document.getElementById(id);
  if (!el) return '';
  return 'value' in el ? el.value : el.textContent;
}

function announce(button, text) {
  const status = document.getElementById(button.getAttribute('aria-describedby') || '') ||
    document.getElementById('copy-status');
  if (status) status.textContent = text;
}

document.addEventListener('DOMContentLoaded', () => {
  if (!navigator.clipboard) return; // stays hidden: select the text instead
  for (const b of document.querySelectorAll('button[data-copy]')) {
    b.hidden = false;
    b.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(copyText(b.dataset.copy));
        announce(b, 'Copied to the clipboard.');
      } catch (err) {
        announce(b, 'Could not copy: select the text and copy it.');
      }
    });
  }
});
