// Progressive enhancement of the automatic images step: fetch the part of the page that
// changes as images arrive, every second, and swap it in. Without this file the page has
// a "Check for new images" link.
const box = document.getElementById('auto-images');
if (box && box.dataset.liveUrl) {
  let last = null;
  const tick = async () => {
    try {
      const res = await fetch(box.dataset.liveUrl, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      // Sent elsewhere (the appointment ended, or is someone else's now): stop.
      if (res.redirected) return;
      if (res.ok) {
        const html = await res.text();
        // Do not replace the form under someone's hand.
        if (html !== last && !box.contains(document.activeElement)) {
          box.innerHTML = html;
          last = html;
        }
      }
    } catch {
      // Offline for a moment: try again next time.
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
}
