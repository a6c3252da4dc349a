// Keyboard shortcuts on the opinion question: 1 to 4 choose an opinion, as the hints say.
// Without JavaScript the radios work as usual.
export function initOpinionShortcuts() {
  const form = document.querySelector('form[data-opinion-shortcuts]');
  if (!form) return;
  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest('input[type="text"], textarea, select')) return;
    const radio = form.querySelector(`input[data-shortcut="${CSS.escape(event.key)}"]`);
    if (!radio) return;
    radio.checked = true;
    radio.focus();
    event.preventDefault();
  });
}
