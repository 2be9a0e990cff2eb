// The public portal: copy the tracking code (no inline script: the content security policy
// forbids it).
document.addEventListener("click", (event) => {
  const button = event.target.closest(".js-copy");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget);
  if (!source) return;
  const text = source.textContent.trim();
  const done = () => {
    button.textContent = button.dataset.copiedText || "OK";
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => {});
  } else {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try {
      document.execCommand("copy");
      done();
    } catch (err) {
      // Selected: the person can copy it by hand.
    }
  }
});
