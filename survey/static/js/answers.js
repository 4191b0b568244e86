/* Section pages: conditional questions and autosave.
 *
 * Without this script the page is a plain form with a Save button. With it, answers are
 * saved a few seconds after typing stops. Unsaved answers are also kept in this browser
 * (localStorage), per user, until the server has them, so a lost connection, a closed tab,
 * an expired session or a failed post of the Save button loses nothing. Each save carries
 * the revision the answer was based on; if someone else changed the answer meanwhile, both
 * versions are shown and the user chooses.
 */
(function () {
  "use strict";

  var form = document.getElementById("answers-form");
  if (!form || form.hasAttribute("data-readonly")) { return; }

  var AUTOSAVE_DELAY_MS = 2500;
  var RETRY_MAX_MS = 60000;
  // A stalled connection answers nothing, ever: give up on a request after this, and retry.
  var REQUEST_TIMEOUT_MS = 20000;
  var url = form.getAttribute("data-autosave-url");
  var tokenUrl = form.getAttribute("data-token-url");
  var userId = form.getAttribute("data-user-id");
  // Per user as well as per response: on a computer colleagues share, one person's unsaved
  // words are never restored, or saved, under another's name. They stay for their author.
  var storageKey = "survey:unsaved:" + userId + ":" + url;
  // Read at each save: a sign-in since the page loaded replaces the session's token.
  var csrfInput = form.querySelector("input[name=csrf_token]");
  var statusEl = document.getElementById("save-status");
  var lang = document.documentElement.lang || undefined;
  var messages = JSON.parse(form.getAttribute("data-messages") || "{}");

  var dirty = {};        // key -> true: changed since the last successful save
  var refused = {};      // key -> true: the server refused it (a message, or a conflict)
  var invalid = {};      // key -> true: refused with a message (what is stored is not it)
  var inFlight = false;
  var timer = null;
  var retryDelay = 0;
  var submitting = false;     // the Save button's post is on its way: leaving is expected
  var postAfterSave = false;  // Save was pressed during an autosave: post once it answers

  function t(name, fallback) { return messages[name] || fallback; }

  // --- reading and writing fields -----------------------------------------------------------

  function blockFor(key) { return form.querySelector('.question[data-key="' + cssEscape(key) + '"]'); }
  function baseInput(key) { return form.querySelector('input[data-base-for="' + cssEscape(key) + '"]'); }
  function cssEscape(text) { return window.CSS && CSS.escape ? CSS.escape(text) : text.replace(/"/g, '\\"'); }

  function inputsOf(key) {
    var block = blockFor(key);
    return block ? block.querySelectorAll('[name="' + cssEscape(key) + '"]') : [];
  }

  function valueOf(key) {
    var inputs = inputsOf(key);
    if (!inputs.length) { return null; }
    var first = inputs[0];
    if (first.type === "checkbox") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; })
        .map(function (i) { return i.value; });
    }
    if (first.type === "radio") {
      var checked = Array.prototype.filter.call(inputs, function (i) { return i.checked; })[0];
      return checked ? checked.value : null;
    }
    return first.value;
  }

  function setValue(key, value) {
    var inputs = inputsOf(key);
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.type === "checkbox") {
        input.checked = Array.isArray(value) && value.indexOf(input.value) !== -1;
      } else if (input.type === "radio") {
        input.checked = input.value === value;
      } else {
        input.value = value === null || value === undefined ? "" : String(value);
        input.dispatchEvent(new CustomEvent("survey:set"));  // its count, if it has one
      }
    });
  }

  // --- the copy kept in this browser --------------------------------------------------------

  function loadKept() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "{}"); } catch (e) { return {}; }
  }

  function keep(key) {
    try {
      var kept = loadKept();
      kept[key] = { value: valueOf(key), base: baseInput(key).value, at: Date.now() };
      localStorage.setItem(storageKey, JSON.stringify(kept));
    } catch (e) { /* storage full or disabled: the server save still runs */ }
  }

  function forget(key) {
    try {
      var kept = loadKept();
      delete kept[key];
      localStorage.setItem(storageKey, JSON.stringify(kept));
    } catch (e) { /* ignore */ }
  }

  // --- status line ---------------------------------------------------------------------------

  function showStatus(text, kind) {
    if (!statusEl) { return; }
    // Written only when it changes: a live region rewritten at every key is announced again.
    if (statusEl.textContent !== text) { statusEl.textContent = text; }
    statusEl.className = "save-status" + (kind ? " save-status--" + kind : "");
  }

  // In UTC, as every other time on the site ("4 Dec 2026, 15:01 UTC"), with its digits.
  function clock(date) {
    try {
      return new Intl.DateTimeFormat(lang, { timeZone: "UTC", hour: "2-digit", minute: "2-digit",
        hourCycle: "h23", numberingSystem: "latn" }).format(date) + " UTC";
    } catch (e) {  // a browser without Intl's time zones
      return date.toISOString().slice(11, 16) + " UTC";
    }
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, function (all, name) {
      return name in values ? String(values[name]) : all;
    });
  }

  // --- conditions ------------------------------------------------------------------------------

  function applyConditions() {
    var blocks = form.querySelectorAll(".question[data-condition-key]");
    Array.prototype.forEach.call(blocks, function (block) {
      var source = valueOf(block.getAttribute("data-condition-key"));
      var accepted = block.getAttribute("data-condition-values").split(" ");
      var chosen = Array.isArray(source) ? source : [source];
      var applies = chosen.some(function (v) { return accepted.indexOf(v) !== -1; });
      block.hidden = !applies;  // hidden answers are kept, never deleted
    });
  }

  // --- the contents: what is left to answer in each paragraph ------------------------------------

  function isEmpty(value) {
    return value === null || value === undefined || value === "" ||
      (Array.isArray(value) && value.length === 0) ||
      (typeof value === "string" && value.trim() === "");
  }

  // An answer the server refused as invalid is not counted: what is stored is not it.
  function counted(key) { return !invalid[key] && !isEmpty(valueOf(key)); }

  function updateProgress() {
    var line = document.querySelector(".section-progress");
    if (!line || !messages.progress) { return; }
    var counts = { done: 0, required: 0, answered: 0, total: 0 };
    Array.prototype.forEach.call(form.querySelectorAll(".question[data-key]"), function (block) {
      if (block.hidden) { return; }  // its condition does not hold: not asked
      var answered = counted(block.getAttribute("data-key"));
      counts.total += 1;
      counts.answered += answered ? 1 : 0;
      if (block.hasAttribute("data-required")) {
        counts.required += 1;
        counts.done += answered ? 1 : 0;
      }
    });
    line.textContent = fill(messages.progress, counts);
  }

  function updateContents() {
    var states = document.querySelectorAll("[data-toc-for]");
    Array.prototype.forEach.call(states, function (state) {
      var paragraph = document.getElementById(state.getAttribute("data-toc-for"));
      if (!paragraph) { return; }
      var left = Array.prototype.filter.call(
        paragraph.querySelectorAll(".question[data-required]"),
        function (block) { return !block.hidden && !counted(block.getAttribute("data-key")); }
      ).length;
      state.textContent = left ? t("leftToAnswer", "Left to answer: %(num)s").replace("%(num)s", left)
                               : t("complete", "Complete");
      state.classList.toggle("toc__state--complete", !left);
    });
  }

  // --- length limits ------------------------------------------------------------------------
  // A text with a limit (data-max-length) says how long it is as the user types, and when it
  // is over: the save refuses it with a message and cuts nothing. The visible count changes
  // at each key; screen readers hear it (politely) once typing pauses.

  var ANNOUNCE_DELAY_MS = 1000;
  // Western digits, as in the server's messages and every other number on the site.
  var numbers = window.Intl ? new Intl.NumberFormat(lang, { numberingSystem: "latn" }) : null;

  function number(n) { return numbers ? numbers.format(n) : String(n); }

  // Characters as the server counts them (code points, not UTF-16 units).
  function lengthOf(text) { return Array.from ? Array.from(text).length : text.length; }

  function countMessage(input, limit) {
    var count = lengthOf(input.value);
    if (count > limit) {
      return fill(t("charOver", "%(count)s characters: %(over)s over the limit of %(limit)s. " +
                              "Shorten the text; nothing of it is lost."),
                  { count: number(count), over: number(count - limit), limit: number(limit) });
    }
    return fill(t("charCount", "%(count)s of %(limit)s characters"),
                { count: number(count), limit: number(limit) });
  }

  function addCounter(input) {
    var limit = parseInt(input.getAttribute("data-max-length"), 10);
    if (!limit) { return; }
    var shown = document.createElement("p");
    shown.className = "char-count";
    shown.setAttribute("aria-hidden", "true");  // the spoken copy is below
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.id = input.id + "-count";
    spoken.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", shown);
    shown.insertAdjacentElement("afterend", spoken);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(spoken.id);
    input.setAttribute("aria-describedby", described.join(" "));
    var announce = null;
    function update(now) {
      var text = countMessage(input, limit);
      shown.textContent = text;
      shown.classList.toggle("char-count--over", lengthOf(input.value) > limit);
      clearTimeout(announce);
      if (now) { spoken.textContent = text; return; }
      announce = setTimeout(function () { spoken.textContent = countMessage(input, limit); },
                            ANNOUNCE_DELAY_MS);
    }
    input.addEventListener("input", function () { update(false); });
    input.addEventListener("survey:set", function () { update(true); });
    update(true);
  }

  // --- saving ---------------------------------------------------------------------------------

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(flush, delay);
  }

  function markChanged(key) {
    dirty[key] = true;
    keep(key);
    showStatus(t("unsaved", "Changes not saved yet…"), "pending");
    schedule(AUTOSAVE_DELAY_MS);
  }

  function flush() {
    var keys = Object.keys(dirty);
    if (!keys.length || inFlight) { return; }
    if (navigator.onLine === false) {
      showStatus(t("offline", "You are offline. Your answers are kept in this browser and will be saved when the connection returns."), "error");
      return;
    }
    var changes = keys.map(function (key) {
      return { key: key, value: valueOf(key), base: baseInput(key).value };
    });
    keys.forEach(function (key) { delete dirty[key]; });
    inFlight = true;
    showStatus(t("saving", "Saving…"), "pending");
    send(changes, true).then(function (result) {
      inFlight = false;
      handleAnswer(changes, result);
    }, function () {  // no connection, or no answer in time
      inFlight = false;
      retry(changes);
    }).then(postIfAsked);
  }

  // A request whose answer is read as JSON (a body that is not JSON: null). It fails, as a
  // lost connection does, when no answer has come after REQUEST_TIMEOUT_MS.
  function request(target, options) {
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    options.credentials = "same-origin";
    if (controller) { options.signal = controller.signal; }
    return fetch(target, options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        clearTimeout(timeout);
        return { status: response.status, body: body };
      });
    }, function (error) {
      clearTimeout(timeout);
      throw error;
    });
  }

  function send(changes, mayRenewToken) {
    return request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfInput.value },
      body: JSON.stringify({ changes: changes })
    }).then(function (result) {
      // A 400 is most likely a token the session no longer has: signing in again (in another
      // tab, after a 401) gives the session a new one. Ask for it, and try once more.
      if (result.status !== 400 || !mayRenewToken) { return result; }
      return renewToken().then(function (renewed) {
        if (renewed === true) { return send(changes, false); }
        return renewed || result;  // signed out, someone else signed in, or the save's own 400
      });
    });
  }

  // Put the session's current token in the form (the Save button's post needs it too): true
  // when done; else the answer to act on (signed out, or someone else signed in), or false.
  function renewToken() {
    return request(tokenUrl, { method: "GET", headers: { "Accept": "application/json" } }).then(function (result) {
      if (result.status === 401) { return result; }
      if (result.status !== 200 || !result.body || !result.body.csrf_token) { return false; }
      // Someone else signed in on this computer: these answers are not theirs to save.
      if (String(result.body.user_id) !== userId) { return { status: "other-user", body: {} }; }
      csrfInput.value = result.body.csrf_token;
      return true;
    });
  }

  function handleAnswer(changes, result) {
    if (result.status === 200 && result.body) {
      retryDelay = 0;
      handleSaved(changes, result.body);
    } else if (result.status === 401) {
      requeue(changes);
      showStatus(t("signedOut", "Not saved: you have been signed out. Sign in again in another tab; your answers are kept in this browser and will be saved then."), "error");
      schedule(15000);
    } else if (result.status === "other-user") {
      requeue(changes);
      showStatus(t("otherUser", "Not saved: someone else has signed in on this computer. Your answers are kept in this browser; sign in again as yourself to save them."), "error");
      schedule(15000);
    } else if (result.status === 409 && result.body && result.body.locked) {
      requeue(changes);
      showStatus(result.body.error || t("locked", "Not saved: the response is locked."), "error");
    } else if (result.status === 400 || result.status === 403) {
      requeue(changes);
      var body = result.body || {};
      showStatus((body.message || body.error || "") + " " + t("reload", "Reload the page to continue; your answers are kept in this browser."), "error");
    } else {
      retry(changes);
    }
  }

  function postIfAsked() {
    if (!postAfterSave) { return; }
    postAfterSave = false;
    if (form.requestSubmit) { form.requestSubmit(); } else { submitting = true; form.submit(); }
  }

  function requeue(changes) {
    changes.forEach(function (c) { if (!(c.key in dirty)) { dirty[c.key] = true; } });
  }

  function retry(changes) {
    requeue(changes);
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, RETRY_MAX_MS);
    showStatus(t("retrying", "Not saved — retrying") + " (" + Math.round(retryDelay / 1000) + " s)", "error");
    schedule(retryDelay);
  }

  function handleSaved(changes, body) {
    var saved = body.saved || {};
    Object.keys(saved).forEach(function (key) {
      delete refused[key];
      delete invalid[key];
      baseInput(key).value = saved[key];
      // Typed again while the save was under way? Then it stays pending.
      if (!(key in dirty)) { forget(key); }
      showError(key, null);
      hideConflict(key);
    });
    var errors = body.errors || {};
    Object.keys(errors).forEach(function (key) {
      refused[key] = true;
      invalid[key] = true;
      showError(key, errors[key]);
    });
    updateContents();
    updateProgress();
    (body.conflicts || []).forEach(showConflict);
    // Typed during the save: saved next, whatever became of this one.
    if (Object.keys(dirty).length) { schedule(AUTOSAVE_DELAY_MS); }
    // Not "Saved" while any answer, of this save or an earlier one, is still refused.
    if (Object.keys(refused).length) {
      showStatus(t("someNotSaved", "Some answers were not saved; see the messages next to them."), "error");
    } else if (!Object.keys(dirty).length) {
      showStatus(t("savedAt", "Saved at") + " " + clock(new Date()), "ok");
    }
  }

  // The field (a text field, or the fieldset of a choice) of a question.
  function fieldOf(key) {
    var block = blockFor(key);
    var el = block && block.querySelector(".error-message");
    return el ? document.getElementById(el.id.replace(/-error$/, "")) : null;
  }

  // Tie (or untie) a message to its field, as the page does without the script.
  function describe(field, id, on) {
    var described = (field.getAttribute("aria-describedby") || "").split(" ")
      .filter(function (d) { return d && d !== id; });
    if (on) { described.push(id); }
    if (described.length) { field.setAttribute("aria-describedby", described.join(" ")); }
    else { field.removeAttribute("aria-describedby"); }
  }

  // After a conflict is settled its panel goes: the focus goes back to the answer, not to
  // the top of the page.
  function focusAnswer(key) {
    var field = fieldOf(key);
    if (!field) { return; }
    var target = field.tagName === "FIELDSET"
      ? (field.querySelector("input:checked") || field.querySelector("input")) : field;
    if (target) { target.focus(); }
  }

  function showError(key, message) {
    var block = blockFor(key);
    if (!block) { return; }
    var el = block.querySelector(".error-message");
    if (!el) { return; }
    el.textContent = message || "";
    el.hidden = !message;
    block.classList.toggle("field--error", Boolean(message));
    // Tied to the field as the page does it without the script: read with it, and marked
    // invalid (a text field; a group of choices is described only).
    var field = fieldOf(key);
    if (!field) { return; }
    describe(field, el.id, Boolean(message));
    if (field.tagName !== "FIELDSET") {
      if (message) { field.setAttribute("aria-invalid", "true"); }
      else { field.removeAttribute("aria-invalid"); }
    }
  }

  function hideConflict(key) {
    delete refused[key];
    var panel = form.querySelector('[data-conflict-for="' + cssEscape(key) + '"]');
    if (panel) { panel.hidden = true; panel.textContent = ""; }
    var block = blockFor(key);
    if (block) { block.classList.remove("question--conflict"); }
    var field = fieldOf(key);
    if (field && panel) { describe(field, panel.id, false); }
  }

  function showConflict(conflict) {
    var panel = form.querySelector('[data-conflict-for="' + cssEscape(conflict.key) + '"]');
    if (!panel) { return; }
    refused[conflict.key] = true;
    blockFor(conflict.key).classList.add("question--conflict");
    panel.textContent = "";
    var title = document.createElement("p");
    title.className = "conflict__title";
    title.id = panel.getAttribute("aria-labelledby");  // the panel is named by its title
    title.appendChild(document.createElement("strong")).textContent =
      t("changedBy", "Changed meanwhile by") + " " + conflict.changed_by;
    var intro = document.createElement("p");
    intro.textContent = t("theirVersion", "Their version:");
    var theirs = document.createElement("div");
    theirs.className = "conflict__theirs answer-text";
    theirs.textContent = conflict.theirs_text;  // text only: never markup
    var explain = document.createElement("p");
    explain.textContent = t("yourVersion", "Your version is in the field above and has not been saved. Choose which to keep:");
    var keepMine = button(t("keepMine", "Keep my version"), function () {
      baseInput(conflict.key).value = conflict.token;
      hideConflict(conflict.key);
      markChanged(conflict.key);
      schedule(0);
      focusAnswer(conflict.key);
    });
    var useTheirs = button(t("useTheirs", "Use their version"), function () {
      setValue(conflict.key, conflict.theirs);
      baseInput(conflict.key).value = conflict.token;
      delete dirty[conflict.key];
      forget(conflict.key);
      hideConflict(conflict.key);
      applyConditions();
      showStatus(t("theirsKept", "Their version is kept."), "ok");
      focusAnswer(conflict.key);
    });
    var actions = document.createElement("p");
    actions.className = "actions";
    actions.appendChild(keepMine);
    actions.appendChild(useTheirs);
    panel.appendChild(title);
    panel.appendChild(intro);
    panel.appendChild(theirs);
    panel.appendChild(explain);
    panel.appendChild(actions);
    panel.hidden = false;
    var field = fieldOf(conflict.key);
    if (field) { describe(field, panel.id, true); }  // heard from the field itself
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button button--secondary button--small";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // --- wiring ----------------------------------------------------------------------------------

  function keyOf(target) {
    var block = target.closest(".question[data-key]");
    return block && target.name === block.getAttribute("data-key") ? target.name : null;
  }

  form.addEventListener("input", function (event) {
    var key = keyOf(event.target);
    if (key) { markChanged(key); applyConditions(); }
  });
  form.addEventListener("change", function (event) {
    var key = keyOf(event.target);
    if (key) { markChanged(key); applyConditions(); }
  });
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);  // the plain post saves everything, with the same checks
    if (inFlight) {
      // Posted now, the form would carry the bases from before that save, and the server
      // would take the user's own save for a colleague's change.
      event.preventDefault();
      postAfterSave = true;
      return;
    }
    // The copies kept in this browser stay: the next page drops those the server then has
    // (below). A post that fails (signed out, the connection lost) loses nothing, here or
    // in the other sections.
    submitting = true;
  });
  window.addEventListener("online", function () { retryDelay = 0; schedule(0); });
  window.addEventListener("offline", function () {
    showStatus(t("offline", "You are offline. Your answers are kept in this browser and will be saved when the connection returns."), "error");
  });
  window.addEventListener("beforeunload", function (event) {
    if (submitting) { return; }  // the form's own post carries every answer of the page
    if (Object.keys(dirty).length || inFlight) { event.preventDefault(); event.returnValue = ""; }
  });
  window.addEventListener("pageshow", function () { submitting = false; });  // back, from the cache

  // Answers typed earlier in this browser, by this user, that the server may not have. One the
  // server now holds as kept is dropped; any other comes back into its field, unsaved, and is
  // saved (a colleague's change meanwhile shows as a conflict). Other sections' wait for
  // their page.
  var kept = loadKept();
  Object.keys(kept).forEach(function (key) {
    var block = blockFor(key);
    if (!block) { return; }
    // Refused when Save posted it (a message, or a colleague's change): the field shows what
    // was posted, not what the server has, and the copy stays until it is saved.
    if (block.hasAttribute("data-unsaved")) { return; }
    var current = valueOf(key);
    if (JSON.stringify(current) === JSON.stringify(kept[key].value)) { forget(key); return; }
    setValue(key, kept[key].value);
    baseInput(key).value = kept[key].base;
    dirty[key] = true;
  });
  // Refused when Save posted it: shown, but not what the server holds.
  Array.prototype.forEach.call(form.querySelectorAll(".question.field--error[data-key]"),
    function (block) { invalid[block.getAttribute("data-key")] = true; });
  Array.prototype.forEach.call(form.querySelectorAll("[data-max-length]"), addCounter);
  // The save bar grows when its status wraps (on a phone): what Tab reaches scrolls clear of
  // it at any height (survey.css, scroll-padding-bottom).
  var bar = form.querySelector(".save-bar");
  if (bar && window.ResizeObserver) {
    new ResizeObserver(function () {
      document.documentElement.style.setProperty("--save-bar-height", bar.offsetHeight + "px");
    }).observe(bar);
  }
  // Chromium scrolls a text box reached with Tab only until its caret shows: the rest of the
  // box (and its focus ring) can stay under the bar. Scroll it clear, its top kept in view.
  var tabbedAt = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Tab") { tabbedAt = Date.now(); }
  });
  form.addEventListener("focusin", function (event) {
    if (!bar || bar.contains(event.target) || Date.now() - tabbedAt > 500) { return; }
    window.requestAnimationFrame(function () {
      var box = event.target.getBoundingClientRect();
      var hidden = box.bottom + 8 - bar.getBoundingClientRect().top;
      if (hidden > 0) { window.scrollBy(0, Math.min(hidden, Math.max(box.top - 8, 0))); }
    });
  });
  applyConditions();
  if (Object.keys(dirty).length) {
    showStatus(t("restored", "Answers not yet saved from your last visit were restored; saving them now."), "pending");
    schedule(500);
  }
})();
