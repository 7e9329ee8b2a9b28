// lstm-params book: the Sphinx Book Theme's buttons above the article (sidebar, outline) work through the
// PyData theme's header buttons, which book.css hides: both themes bind only the page's first toggle.
document.addEventListener("DOMContentLoaded", () => {
  for (const side of ["primary", "secondary"]) {
    const target = document.querySelector(`#pst-header .${side}-toggle`);
    for (const button of document.querySelectorAll(`.bd-header-article .${side}-toggle`)) {
      if (target) button.addEventListener("click", () => target.click());
    }
  }
});

// The live explorer's frame takes the height of its page (the page posts it: docs/live/index.html.j2).
window.addEventListener("message", (event) => {
  const height = event.data && event.data.lpLiveHeight;
  if (!Number.isFinite(height)) return;
  for (const frame of document.querySelectorAll("iframe.lp-live")) {
    if (frame.contentWindow === event.source) frame.style.height = `${Math.ceil(height) + 4}px`;
  }
});
