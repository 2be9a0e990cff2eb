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
// The triage board: ticking clues counts them and, for the first one ticked, fills the
// empty fields of the merge form from it (title, content, category, leading deputy).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.classList || !box.classList.contains("js-clue-pick")) return;
  const form = document.getElementById(box.getAttribute("form"));
  if (!form) return;
  const ticked = document.querySelectorAll(`.js-clue-pick[form="${form.id}"]:checked`);
  const counter = form.querySelector("[data-merge-count]");
  if (counter) counter.textContent = String(ticked.length);
  if (!box.checked) return;
  const fill = (name, value) => {
    const field = form.querySelector(`[name="merge-${name}"]`);
    if (!field || !value) return;
    if (field.tagName === "SELECT") {
      const untouched = field.value === "" || field.value === field.dataset.initial;
      if (untouched && field.querySelector(`option[value="${CSS.escape(value)}"]`)) field.value = value;
    } else if (!field.value.trim()) {
      field.value = value;
    }
  };
  fill("title", box.dataset.title);
  fill("content", box.dataset.content);
  fill("lead_deputy", box.dataset.recorder);
  const category = form.querySelector('[name="merge-category"]');
  if (category && box.dataset.category && !category.dataset.touched) category.value = box.dataset.category;
});
document.addEventListener("input", (event) => {
  if (event.target.name === "merge-category") event.target.dataset.touched = "1";
});
// On a phone the filter bar starts folded (unless filters are in use), so the list shows first.
if (window.matchMedia("(max-width: 576px)").matches) {
  document.querySelectorAll("details.js-collapse-sm:not([data-keep-open])").forEach((el) => {
    el.open = false;
  });
}
// The assign form: the unit chosen to lead cannot also co-handle.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!select.name || !select.name.endsWith("-lead_unit") || !select.form) return;
  const prefix = select.name.slice(0, -"lead_unit".length);
  select.form.querySelectorAll(`input[name="${prefix}co_units"]`).forEach((box) => {
    const lead = box.value === select.value;
    box.disabled = lead;
    if (lead) box.checked = false;
  });
});
// Progress bars carry their value in data-percent (no inline styles under the CSP).
function drawProgress(root) {
  root.querySelectorAll(".progress-bar[data-percent]").forEach((bar) => {
    bar.style.width = `${bar.dataset.percent}%`;
  });
}
drawProgress(document);
document.body.addEventListener("htmx:afterSwap", () => drawProgress(document));
// The clue form: on request, the phone's location fills the hidden latitude and longitude
// (suggestions/_geo.html). Without a location the clue is recorded all the same.
document.querySelectorAll("[data-geo]").forEach((box) => {
  const lat = document.querySelector(box.dataset.lat);
  const lon = document.querySelector(box.dataset.lon);
  const status = box.querySelector(".js-geo-status");
  const locate = box.querySelector(".js-geo-locate");
  const clear = box.querySelector(".js-geo-clear");
  if (!lat || !lon || !status || !locate || !clear) return;
  const say = (key, values) => {
    let text = status.dataset[key] || "";
    Object.keys(values || {}).forEach((name) => {
      text = text.split(`{${name}}`).join(String(values[name]));
    });
    status.textContent = text;
    status.dataset.state = key;
  };
  const located = () => {
    clear.hidden = false;
    const label = locate.querySelector("span");
    if (label && locate.dataset.again) label.textContent = locate.dataset.again;
  };
  if (lat.value && lon.value) {
    // The form came back (a mistake elsewhere): the place found before is kept.
    say("kept", { lat: lat.value, lon: lon.value });
    located();
  }
  if (!navigator.geolocation) {
    say("unsupported");
    return;
  }
  if (window.isSecureContext === false) {
    say("insecure");
    return;
  }
  locate.hidden = false;
  locate.addEventListener("click", () => {
    locate.disabled = true;
    say("busy");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        say("done", { lat: lat.value, lon: lon.value, accuracy: Math.round(position.coords.accuracy || 0) });
        locate.disabled = false;
        located();
      },
      (error) => {
        locate.disabled = false;
        // 1 PERMISSION_DENIED, 2 POSITION_UNAVAILABLE, 3 TIMEOUT
        say(error.code === 1 ? "denied" : error.code === 3 ? "timeout" : "unavailable");
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  });
  clear.addEventListener("click", () => {
    lat.value = "";
    lon.value = "";
    clear.hidden = true;
    say("cleared");
  });
});
