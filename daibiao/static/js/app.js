// Small behaviours that need no inline script (the content security policy forbids those).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.classList && el.classList.contains("js-autosubmit") && el.form) {
    el.form.submit();
  }
});
// Buttons that ask before they act: data-confirm="…"
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  // Long work: the button says what is happening and cannot be pressed twice.
  if (button && button.dataset.busyText) {
    button.disabled = true;
    button.insertAdjacentHTML("afterbegin", '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>');
    const note = document.createElement("div");
    note.className = "form-text";
    note.textContent = button.dataset.busyText;
    button.after(note);
  }
});
// htmx sends the CSRF token with its requests.
document.body.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});
