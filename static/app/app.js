// EcoLife resident app: a small single-page app on the public /api/v1 (no framework).
(function () {
  "use strict";

  var TEXT = window.ECOLIFE_TEXT;
  var store = window.localStorage;
  var view = document.getElementById("view");
  var timers = [];
  var stopCamera = null;
  var generation = 0; // bumped on every navigation

  // Wrap an async callback so that it does nothing once the user has moved to another screen.
  function live(fn) {
    var mine = generation;
    return function () {
      if (mine === generation) return fn.apply(this, arguments);
    };
  }

  // ---------- language ----------
  var lang = store.getItem("ecolife.lang") || "th";

  // A table of words (kinds of entry, field messages) in the current language.
  function words(key) {
    return TEXT[lang][key] || TEXT.th[key];
  }

  function t(key, params) {
    var value = TEXT[lang][key];
    if (value === undefined) value = TEXT.th[key] || key;
    return String(value).replace(/\{(\w+)\}/g, function (_m, name) {
      return params && params[name] !== undefined ? params[name] : "";
    });
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.getElementById("lang-switch").textContent = t("switchTo");
  }

  document.getElementById("lang-switch").addEventListener("click", function () {
    lang = lang === "th" ? "en" : "th";
    store.setItem("ecolife.lang", lang);
    applyLanguage();
    route();
  });

  // ---------- DOM ----------
  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name.slice(0, 2) === "on") el.addEventListener(name.slice(2), value);
      else if (name === "text") el.textContent = value;
      else el.setAttribute(name, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      (Array.isArray(child) ? child : [child]).forEach(function (c) {
        if (c !== null && c !== undefined && c !== false) {
          el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
        }
      });
    }
    return el;
  }

  function show() {
    stopTimers();
    // Arrays (the home screen's feature parts) are flattened.
    var parts = [].concat.apply([], Array.prototype.slice.call(arguments)).filter(function (part) { return part; });
    view.replaceChildren.apply(view, parts);
    window.scrollTo(0, 0);
  }

  function stopTimers() {
    timers.forEach(function (id) { clearInterval(id); clearTimeout(id); });
    timers = [];
    if (stopCamera) {
      stopCamera();
      stopCamera = null;
    }
  }

  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function message(text, kind) {
    return h("p", { class: "message " + (kind || "error"), role: kind === "ok" ? "status" : "alert", "data-test": "message" }, text);
  }

  function loading() {
    show(h("p", { class: "muted center" }, t("loading")));
  }

  function localName(item) {
    if (lang === "en" && item.name_en) return item.name_en;
    return item.name_th || item.name;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---------- API ----------
  function tokens() {
    try { return JSON.parse(store.getItem("ecolife.tokens")) || null; } catch (e) { return null; }
  }

  function saveSession(body) {
    store.setItem("ecolife.tokens", JSON.stringify({ access: body.access_token, refresh: body.refresh_token }));
  }

  function forgetSession() {
    store.removeItem("ecolife.tokens");
  }

  function NetworkError() { this.network = true; }

  function request(method, path, options) {
    options = options || {};
    var headers = { Accept: "application/json", "Accept-Language": lang };
    var session = tokens();
    if (session && options.auth !== false) headers.Authorization = "Bearer " + session.access;
    if (options.key) headers["Idempotency-Key"] = options.key;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    return fetch("/api/v1" + path, {
      method: method,
      headers: headers,
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      cache: "no-store"
    }).then(function (response) {
      if (options.raw && response.ok) return response.blob();
      return response.text().then(function (text) {
        var data = text ? JSON.parse(text) : null;
        if (response.ok) return data;
        var problem = data || { code: "internal_error", detail: t("somethingWrong") };
        problem.status = response.status;
        throw problem;
      });
    }, function () {
      throw new NetworkError();
    });
  }

  // One refresh at a time: a refresh token works once, and a second use would end the session.
  var refreshing = null;

  function refreshTokens(session) {
    if (!refreshing) {
      refreshing = request("POST", "/auth/refresh", { auth: false, body: { refresh_token: session.refresh } })
        .then(function (body) { saveSession(body); }, function (problem) {
          if (!problem.network) forgetSession();
          throw problem;
        })
        .finally(function () { refreshing = null; });
    }
    return refreshing;
  }

  // Call the API, refreshing an expired access token once.
  function api(method, path, options) {
    var sentWith = tokens();
    return request(method, path, options).catch(function (problem) {
      if (problem.code !== "invalid_token" || !sentWith || (options && options.retried)) throw problem;
      var now = tokens();
      // Another call may have refreshed meanwhile: then just retry with the new token.
      var ready = now && now.access !== sentWith.access ? Promise.resolve() : refreshTokens(sentWith);
      return ready.then(function () {
        return api(method, path, Object.assign({}, options, { retried: true }));
      }, function (refreshProblem) {
        if (refreshProblem.network) throw refreshProblem;
        go("#/login");
        throw problem;
      });
    });
  }

  function problemText(problem) {
    if (problem && problem.network) return t("networkError");
    return (problem && problem.detail) || t("somethingWrong");
  }

  // ---------- sign in / sign up ----------
  function authScreen(mode) {
    var signingUp = mode === "signup";
    var pending = store.getItem("ecolife.pendingClaim");
    var errors = h("div");
    var fields = {
      display_name: signingUp ? input("display_name", t("displayName"), "text", "name") : null,
      login: input("login", t("login"), "text", "username"),
      password: input("password", t("password"), "password", signingUp ? "new-password" : "current-password", signingUp ? t("passwordHint") : null)
    };
    var button = h("button", { type: "submit", class: "button big", "data-test": "auth-submit" }, signingUp ? t("signUp") : t("signIn"));
    var notice = signingUp ? noticeAcceptance() : null;
    var form = h("form", { class: "form", novalidate: true, onsubmit: submit },
      errors,
      signingUp ? fields.display_name.wrap : null,
      fields.login.wrap,
      fields.password.wrap,
      notice ? notice.wrap : null,
      button);

    function submit(event) {
      event.preventDefault();
      errors.replaceChildren();
      Object.keys(fields).forEach(function (k) { if (fields[k]) fields[k].error(""); });
      var login = fields.login.el.value.trim();
      var body = { password: fields.password.el.value };
      if (signingUp) {
        body.display_name = fields.display_name.el.value.trim();
        body.locale = lang;
        body[login.indexOf("@") >= 0 ? "email" : "phone"] = login;
        if (!notice.accepted()) return;
        body.privacy_notice_version = notice.version();
      } else {
        body.login = login;
      }
      button.disabled = true;
      request("POST", signingUp ? "/auth/register" : "/auth/login", { auth: false, body: body })
        .then(function (data) {
          saveSession(data);
          var claim = store.getItem("ecolife.pendingClaim");
          store.removeItem("ecolife.pendingClaim");
          go(claim ? "#/claim/" + encodeURIComponent(claim) : "#/");
        }, function (problem) {
          button.disabled = false;
          if (signingUp && problem && problem.code === "privacy_notice_outdated") {
            notice.outdated();
            return;
          }
          errors.replaceChildren(message(problemText(problem)));
          var fieldErrors = (problem && problem.errors) || {};
          Object.keys(fieldErrors).forEach(function (name) {
            var target = fields[name] || (name === "phone" || name === "email" ? fields.login : null);
            var text = [].concat(fieldErrors[name]).map(function (m) { return words("fields")[m] || m; }).join(" ");
            if (target) target.error(text);
          });
        });
    }

    show(
      h("section", { class: "hero" }, h("h1", {}, t("welcome")), h("p", {}, t("welcomeText"))),
      pending ? message(t("signInToCollect"), "info") : null,
      h("section", { class: "card" }, h("h2", {}, signingUp ? t("signUp") : t("signIn")), form,
        signingUp ? null : h("p", { class: "center" }, h("a", { href: "#/forgot", "data-test": "forgot-password" }, t("forgotPassword"))),
        h("p", { class: "center" }, h("a", { href: signingUp ? "#/login" : "#/signup", "data-test": "switch-auth" }, signingUp ? t("haveAccount") : t("noAccount"))))
    );
  }

  // ---------- forgotten password: a code by SMS or email, then a new password ----------
  function forgotScreen() {
    var status = h("div");
    var login = input("login", t("login"), "text", "username");
    var send = h("button", { type: "submit", class: "button big", "data-test": "send-code" }, t("sendCode"));
    var askForm = h("form", { class: "form", novalidate: true, onsubmit: ask }, login.wrap, send);
    var card = h("section", { class: "card" }, h("h2", {}, t("forgotTitle")),
      h("p", { class: "muted" }, t("forgotText")), status, askForm);

    function ask(event) {
      event.preventDefault();
      status.replaceChildren();
      login.error("");
      send.disabled = true;
      request("POST", "/auth/password-reset", { auth: false, body: { login: login.el.value.trim() } })
        .then(live(function () { card.replaceChildren(h("h2", {}, t("setNewPassword")), codeForm(login.el.value.trim())); }),
          live(function (problem) {
            send.disabled = false;
            status.replaceChildren(message(problemText(problem)));
            fieldErrors(problem, { login: login });
          }));
    }

    show(card, h("p", { class: "center" }, h("a", { href: "#/login" }, t("backToSignIn"))));
  }

  function codeForm(loginValue) {
    var status = h("div");
    var fields = {
      code: labelled(h("input", { id: "f-code", name: "code", type: "text", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 6, required: true }), t("resetCode")),
      new_password: input("new_password", t("newPassword"), "password", "new-password", t("passwordHint"))
    };
    var button = h("button", { type: "submit", class: "button big", "data-test": "set-password" }, t("setNewPassword"));

    function submit(event) {
      event.preventDefault();
      status.replaceChildren();
      Object.keys(fields).forEach(function (k) { fields[k].error(""); });
      button.disabled = true;
      var body = { login: loginValue, code: fields.code.el.value.trim(), new_password: fields.new_password.el.value };
      request("POST", "/auth/password-reset/confirm", { auth: false, body: body })
        .then(live(function (data) {
          saveSession(data);
          show(h("section", { class: "card center" }, message(t("passwordReset"), "ok"),
            h("p", {}, h("a", { class: "button big", href: "#/", "data-test": "go-home" }, t("home")))));
        }), live(function (problem) {
          button.disabled = false;
          status.replaceChildren(message(problemText(problem)));
          fieldErrors(problem, fields);
        }));
    }

    return h("div", {},
      message(t("codeSent", { login: loginValue }), "info"),
      status,
      h("form", { class: "form", novalidate: true, onsubmit: submit }, fields.code.wrap, fields.new_password.wrap, button),
      h("p", { class: "center" }, h("a", { href: "#/forgot", onclick: function (e) { e.preventDefault(); forgotScreen(); } }, t("askAgain"))));
  }

  // Show a problem's field errors beside the fields they belong to.
  function fieldErrors(problem, fields) {
    var errors = (problem && problem.errors) || {};
    Object.keys(errors).forEach(function (name) {
      if (!fields[name]) return;
      fields[name].error([].concat(errors[name]).map(function (m) { return words("fields")[m] || m; }).join(" "));
    });
  }

  function input(name, label, type, autocomplete, hint) {
    return labelled(h("input", { id: "f-" + name, name: name, type: type, autocomplete: autocomplete, required: true }), label, hint);
  }

  // A form control with its label, hint and error line; error(text) shows or clears the error.
  function labelled(el, label, hint) {
    var error = h("p", { class: "field-error", id: el.id + "-error", role: "alert", hidden: true });
    return {
      el: el,
      wrap: h("div", { class: "field" }, h("label", { for: el.id }, label), el, hint ? h("p", { class: "hint" }, hint) : null, error),
      error: function (text) {
        error.textContent = text;
        error.hidden = !text;
        if (text) el.setAttribute("aria-invalid", "true"); else el.removeAttribute("aria-invalid");
      }
    };
  }

  // ---------- home ----------
  function homeScreen() {
    loading();
    Promise.all([api("GET", "/me"), api("GET", "/me/ledger?limit=10"), api("GET", "/me/redemptions?limit=10")])
      .then(live(function (results) {
        var me = results[0], ledger = results[1].items, held = results[2].items.filter(function (r) { return r.status === "pending"; });
        if (needsConsent(me)) return consentScreen(me.privacy_notice);
        var items = Object.keys(me.impact.items).reduce(function (sum, k) { return sum + me.impact.items[k]; }, 0);
        show(
          suspendedNotice(me),
          h("section", { class: "balance" },
            h("p", { class: "muted" }, t("yourPoints")),
            h("p", { class: "big-number", "data-test": "balance" }, String(me.balance)),
            h("div", { class: "impact" },
              h("p", {}, h("strong", { "data-test": "items" }, String(items)), " ", t("itemsAvoided")),
              h("p", {}, h("strong", { "data-test": "grams" }, String(Math.round(me.impact.grams_plastic * 10) / 10)), " ", t("gramsAvoided")))),
          homeParts.map(function (part) { return part(me); }),
          h("a", { class: "button huge", href: "#/scan", "data-test": "scan" }, t("scan")),
          h("a", { class: "button big secondary", href: "#/shops", "data-test": "rewards" }, t("rewards")),
          h("a", { class: "button big secondary", href: "#/card", "data-test": "member-card" }, t("memberCard")),
          h("p", { class: "center" }, h("a", { href: "#/profile", "data-test": "my-area" }, t("myArea")),
            " · ", h("a", { href: "#/privacy", "data-test": "my-data" }, t("myData"))),
          held.length ? h("section", { class: "card" }, h("h2", {}, t("pendingRewards")),
            h("ul", { class: "list" }, held.map(function (r) {
              return h("li", {}, h("a", { href: "#/redemptions/" + r.id }, localName(r.reward), " · ", r.code));
            }))) : null,
          h("section", { class: "card" }, h("h2", {}, t("history")),
            ledger.length ? historyList(results[1]) : h("p", { class: "muted" }, t("noHistory"))),
          h("p", { class: "center" }, h("button", { type: "button", class: "linkish", onclick: signOut }, t("signOut")))
        );
      }), live(failed(homeScreen)));
  }

  // A suspended resident learns it here, with the admin's reason, before a scan fails.
  function suspendedNotice(me) {
    if (!me.suspended) return null;
    return h("section", { class: "message error notice", role: "alert", "data-test": "suspended" },
      h("h2", {}, t("suspendedTitle")),
      h("p", {}, t("suspendedText")),
      me.suspended_reason ? h("p", { "data-test": "suspended-reason" }, t("suspendedReason", { reason: me.suspended_reason })) : null,
      h("p", { "data-test": "suspended-contact" }, t("suspendedContact")));
  }

  // The whole ledger, a page at a time: "more" asks for the entries after the last one shown.
  function historyList(page) {
    var cursor = page.next_cursor;
    var list = h("ul", { class: "list history", "data-test": "history" }, page.items.map(historyRow));
    var problem = h("p", { class: "message error", role: "alert", hidden: true });
    var more = h("button", { type: "button", class: "button secondary", "data-test": "more-history", hidden: !cursor }, t("moreHistory"));
    more.addEventListener("click", function () {
      more.disabled = true;
      api("GET", "/me/ledger?limit=20&cursor=" + encodeURIComponent(cursor)).then(live(function (next) {
        next.items.forEach(function (entry) { list.appendChild(historyRow(entry)); });
        cursor = next.next_cursor;
        more.hidden = !cursor;
        problem.hidden = true;
        more.disabled = false;
      }), live(function (failure) {
        problem.textContent = problemText(failure);
        problem.hidden = more.disabled = false;
      }));
    });
    return h("div", {}, list, problem, more);
  }

  // An entry: its kind and shop, why it exists (what was refused, the reward, the admin's
  // reason, in the reader's language from the server), when, and the points.
  function historyRow(entry) {
    var when = new Date(entry.created_at).toLocaleString(lang === "th" ? "th-TH" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
    return h("li", {},
      h("span", {}, words("kinds")[entry.kind] || entry.kind, entry.shop ? " · " + localName(entry.shop) : "", h("br"),
        h("span", { "data-test": "reason" }, entry.reason), h("br"), h("small", { class: "muted" }, when)),
      h("strong", { class: entry.delta > 0 ? "plus" : "minus" }, (entry.delta > 0 ? "+" : "") + entry.delta));
  }

  // Signing out stops this phone's notifications too: the next person to use it is not told
  // the last one's. The browser is forgotten first, while the token still works.
  function signOut() {
    var left = false;
    function leave() {
      if (left) return;
      left = true;
      forgetSession();
      go("#/login");
    }
    forgetThisBrowser().then(function () {
      return api("POST", "/auth/logout");
    }).catch(function () { /* the tokens are forgotten anyway */ }).then(leave);
    setTimeout(leave, 5000); // no network: the phone still signs out
  }

  function forgetThisBrowser() {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return Promise.resolve();
    return navigator.serviceWorker.getRegistration().then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      if (!subscription) return null;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().catch(function () { return null; }).then(function () {
        return api("DELETE", "/me/push-subscriptions", { body: { endpoint: endpoint } });
      });
    }).catch(function () { return null; });
  }

  // A failed load: a clear message and a retry button that runs the same screen again.
  function failed(again) {
    return function (problem) {
      if (problem && problem.code === "invalid_token") return;
      show(message(problemText(problem)), h("button", { type: "button", class: "button big", "data-test": "retry", onclick: again }, t("retry")),
        h("p", { class: "center" }, h("a", { href: "#/" }, t("home"))));
    };
  }

  // ---------- scanning ----------
  // A counter code's short form, as typed: 8 characters of the unambiguous alphabet, in any
  // case, with spaces or dashes (the server resolves it).
  var SHORT_CODE = /^[34679ACDEFGHJKMNPQRTUVWXY]{8}$/;

  function tokenFrom(text) {
    text = (text || "").trim();
    var match = text.match(/\/q\/([A-Za-z0-9_-]{16,64})\/?$/);
    if (match) return match[1];
    var typed = text.replace(/[\s-]/g, "").toUpperCase();
    if (SHORT_CODE.test(typed)) return typed;
    return /^[A-Za-z0-9_-]{16,64}$/.test(text) ? text : null;
  }

  function scanScreen() {
    var video = h("video", { playsinline: true, muted: true, class: "camera" });
    var status = h("p", { class: "muted center", "data-test": "scan-status" }, t("scanHelp"));
    var manual = h("input", { id: "manual-code", autocomplete: "off", autocapitalize: "characters", spellcheck: "false" });
    var form = h("form", { class: "form", onsubmit: function (event) {
      event.preventDefault();
      var token = tokenFrom(manual.value);
      if (token) go("#/claim/" + token);
      else status.replaceWith(status = message(t("notOurCode")));
    } }, h("label", { for: "manual-code" }, t("typeCode")), manual, h("button", { class: "button", type: "submit" }, t("go")));
    show(h("h1", {}, t("scanTitle")), video, status, form, h("p", { class: "center" }, h("a", { href: "#/" }, t("back"))));

    stopCamera = QrCamera.start(video, function (text) {
      var token = tokenFrom(text);
      if (token) { go("#/claim/" + token); return true; }
      status.replaceWith(status = message(t("notOurCode")));
      return false;
    }, function () { status.replaceWith(status = message(t("cameraFailed"))); });
  }

  // ---------- claiming points ----------
  function claimScreen(token) {
    if (!tokens()) {
      store.setItem("ecolife.pendingClaim", token);
      go("#/login");
      return;
    }
    loading();
    Promise.all([api("GET", "/codes/" + encodeURIComponent(token)), api("GET", "/actions")])
      .then(live(function (results) { claimForm(token, results[0], results[1]); }),
        live(function (problem) {
          if (problem && problem.code === "invalid_token") return;
          if (problem && problem.network) return failed(function () { claimScreen(token); })(problem);
          show(message(problemText(problem)), h("a", { class: "button big", href: "#/" }, t("home")));
        }));
  }

  function claimForm(token, preview, actions) {
    var chosen = { action: "bag", quantity: 1 };
    var body = h("div");
    var button = h("button", { type: "button", class: "button huge", "data-test": "collect", onclick: collect }, t("collect"));
    var outcome = h("div");
    if (preview.kind === "one_time") {
      body.append(h("p", { class: "claim-what" }, t("oneTime", { action: preview.action.name, quantity: preview.quantity })));
    } else {
      var quantity = h("output", { class: "qty", "data-test": "quantity" }, "1");
      body.append(
        h("h2", {}, t("whatRefused")),
        h("div", { class: "choices", role: "radiogroup" }, actions.map(function (action) {
          return h("button", {
            type: "button", class: "choice", role: "radio", "aria-checked": String(action.code === chosen.action),
            "data-action": action.code, onclick: function () {
              chosen.action = action.code;
              body.querySelectorAll(".choice").forEach(function (b) { b.setAttribute("aria-checked", String(b.dataset.action === action.code)); });
            }
          }, h("strong", {}, action.name), h("small", {}, "+" + action.points + " " + t("points")));
        })),
        h("div", { class: "stepper" }, h("span", {}, t("howMany")),
          h("button", { type: "button", class: "step", "aria-label": t("fewer"), "data-test": "fewer", onclick: function () { chosen.quantity = Math.max(1, chosen.quantity - 1); quantity.textContent = chosen.quantity; } }, "−"),
          quantity,
          h("button", { type: "button", class: "step", "aria-label": t("more"), "data-test": "more", onclick: function () { chosen.quantity = Math.min(5, chosen.quantity + 1); quantity.textContent = chosen.quantity; } }, "+")));
    }
    show(h("h1", {}, localName(preview.shop)), body, button, outcome);

    function collect() {
      var payload = preview.kind === "one_time" ? { code: token } : { code: token, action: chosen.action, quantity: chosen.quantity };
      // The same claim keeps its Idempotency-Key, so a retry after a lost answer credits once.
      var id = JSON.stringify(payload);
      var pending = JSON.parse(store.getItem("ecolife.pendingScan") || "null");
      var key = pending && pending.id === id ? pending.key : newKey();
      store.setItem("ecolife.pendingScan", JSON.stringify({ id: id, key: key }));
      button.disabled = true;
      button.textContent = t("collecting");
      outcome.replaceChildren();
      var render = live(function (draw) { draw(); });
      api("POST", "/scans", { key: key, body: payload }).then(function (result) {
        store.removeItem("ecolife.pendingScan");
        render(function () { show(h("section", { class: "won center", "data-test": "won" },
          h("p", { class: "big-number" }, t("won", { points: result.scan.points })),
          h("p", {}, t("wonText", { balance: result.balance })),
          // Parts added by feature files (a campaign's bonus: campaigns.js).
          wonParts.map(function (part) { return part(result); })),
        h("a", { class: "button huge", href: "#/", "data-test": "home" }, t("home"))); });
      }, live(function (problem) {
        button.textContent = t("collect");
        if (problem && problem.network) {
          button.disabled = false;
          outcome.replaceChildren(message(t("networkError")),
            h("button", { type: "button", class: "button big", "data-test": "retry", onclick: collect }, t("retry")));
          button.hidden = true;
          return;
        }
        store.removeItem("ecolife.pendingScan");
        button.hidden = true;
        outcome.replaceChildren(message(problemText(problem)), h("a", { class: "button big secondary", href: "#/" }, t("home")));
      }));
    }
  }

  // ---------- shops and rewards ----------
  var shopSearch = "";
  var here = null; // { lat, lon } once the phone has told where it is

  function shopsScreen() {
    loading();
    api("GET", "/shops?limit=100" + (shopSearch ? "&q=" + encodeURIComponent(shopSearch) : "")).then(live(function (page) {
      var search = h("input", { id: "shop-search", type: "search", value: shopSearch, autocomplete: "off", enterkeyhint: "search" });
      var status = h("p", { class: "muted", role: "status", "data-test": "near-status" }, here ? t("nearestFirst") : "");
      var form = h("form", { class: "search", role: "search", onsubmit: function (event) {
        event.preventDefault();
        shopSearch = search.value.trim();
        shopsScreen();
      } }, h("label", { for: "shop-search" }, t("searchShops")),
      h("div", { class: "search-row" }, search, h("button", { type: "submit", class: "button" }, t("search"))));
      var near = navigator.geolocation ? h("button", { type: "button", class: "button secondary", "data-test": "near-me", onclick: function () {
        status.textContent = t("locating");
        navigator.geolocation.getCurrentPosition(live(function (position) {
          here = { lat: position.coords.latitude, lon: position.coords.longitude };
          shopsScreen();
        }), live(function () { status.textContent = t("noLocation"); }), { timeout: 15000, maximumAge: 300000 });
      } }, t("nearMe")) : null;
      var items = here ? byDistance(page.items) : page.items;
      show(h("h1", {}, t("shops")), form, near, status,
        items.length ? h("ul", { class: "cards", "data-test": "shops" }, items.map(shopCard))
          : h("p", { class: "muted", "data-test": "no-shops" }, t("noShopsFound", { q: shopSearch })),
        h("p", { class: "center" }, h("a", { href: "#/" }, t("back"))));
    }), live(failed(shopsScreen)));
  }

  function shopCard(shop) {
    var km = distanceKm(shop);
    return h("li", {}, h("a", { class: "card link", href: "#/shops/" + shop.id, "data-test": "shop" },
      h("strong", {}, localName(shop)), h("span", { class: "muted" }, shop.district_name),
      km !== null ? h("span", { "data-test": "distance" }, t("away", { distance: distanceText(km) })) : null,
      h("span", { class: "pill" }, t("rewardsCount", { count: shop.rewards_count }))));
  }

  // Shops without a position go last, in the server's order.
  function byDistance(shops) {
    return shops.map(function (shop, i) { return { shop: shop, km: distanceKm(shop), i: i }; })
      .sort(function (a, b) {
        if (a.km === null || b.km === null) return (a.km === null) - (b.km === null) || a.i - b.i;
        return a.km - b.km;
      })
      .map(function (row) { return row.shop; });
  }

  // Great-circle distance from the phone to a shop (haversine), or null if either is unknown.
  function distanceKm(shop) {
    if (!here || shop.lat === null || shop.lon === null || shop.lat === undefined) return null;
    var rad = Math.PI / 180, dLat = (shop.lat - here.lat) * rad, dLon = (shop.lon - here.lon) * rad;
    var a = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(here.lat * rad) * Math.cos(shop.lat * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 6371 * 2 * Math.asin(Math.sqrt(a));
  }

  function distanceText(km) {
    if (km < 1) return t("metres", { n: Math.round(km * 100) * 10 });
    return t("kilometres", { n: (Math.round(km * 10) / 10).toLocaleString(lang === "th" ? "th-TH" : "en-GB") });
  }

  // A plain link: nothing is fetched from the map's site until the resident opens it.
  function mapUrl(shop) {
    return "https://www.openstreetmap.org/?mlat=" + shop.lat + "&mlon=" + shop.lon + "#map=17/" + shop.lat + "/" + shop.lon;
  }

  // +6653511111 as Thais write it: 053 511 111 (Bangkok 02 XXX XXXX, mobiles 08X XXX XXXX).
  function nationalPhone(phone) {
    var digits = phone.indexOf("+66") === 0 ? "0" + phone.slice(3) : phone;
    var head = digits.indexOf("02") === 0 ? 2 : 3;
    return digits.length < 9 ? digits : digits.slice(0, head) + " " + digits.slice(head, head + 3) + " " + digits.slice(head + 3);
  }

  function shopFacts(shop) {
    // The official sub-district's name first; the address's own wording for older shops.
    var tambon = shop.tambon_name || shop.subdistrict;
    var place = [shop.address, tambon ? t("subdistrictOf", { name: tambon }) : null,
      t("districtOf", { name: shop.district_name })].filter(Boolean).join(lang === "th" ? " " : ", ");
    return h("dl", { class: "facts card", "data-test": "shop-facts" },
      h("dt", {}, t("address")), h("dd", { "data-test": "shop-address" }, place),
      shop.phone ? [h("dt", {}, t("phone")), h("dd", {}, h("a", { href: "tel:" + shop.phone, "data-test": "shop-phone" }, nationalPhone(shop.phone)))] : null,
      shop.opening_hours ? [h("dt", {}, t("openingHours")), h("dd", { "data-test": "shop-hours" }, shop.opening_hours)] : null,
      shop.lat !== null && shop.lon !== null ? h("dd", {}, h("a", { href: mapUrl(shop), target: "_blank", rel: "noopener", "data-test": "map-link" }, t("onMap"))) : null);
  }

  function shopScreen(id) {
    loading();
    Promise.all([api("GET", "/shops/" + id), api("GET", "/me")]).then(live(function (results) {
      var shop = results[0], balance = results[1].balance;
      show(h("h1", {}, localName(shop)), shopFacts(shop), h("h2", {}, t("rewards")),
        shop.rewards.length ? h("ul", { class: "rewards" }, shop.rewards.map(function (reward) {
          var enough = balance >= reward.points;
          return h("li", { class: "card reward", "data-test": "reward" },
            reward.image_url ? h("img", { src: reward.image_url, alt: "", class: "reward-img" }) : null,
            h("div", {}, h("h3", { class: "reward-name", "data-test": "reward-name" }, reward.name),
              reward.description ? h("p", { class: "muted" }, reward.description) : null,
              reward.stock_left !== null && reward.stock_left !== undefined ? h("p", { class: "muted", "data-test": "reward-stock" }, t("stockLeft", { count: reward.stock_left })) : null),
            h("div", { class: "reward-cost" }, h("strong", {}, reward.points + " " + t("points")),
              h("button", { type: "button", class: "button", disabled: !enough, "data-test": "request", onclick: function () { requestReward(reward); } },
                enough ? t("request") : t("notEnough"))));
        })) : h("p", { class: "muted" }, t("noRewards")),
        h("p", { class: "center" }, h("a", { href: "#/shops" }, t("back"))));
    }), live(failed(function () { shopScreen(id); })));
  }

  function requestReward(reward) {
    if (!window.confirm(t("confirmRequest", { name: reward.name, points: reward.points }))) return;
    var key = newKey();
    function attempt() {
      api("POST", "/redemptions", { key: key, body: { reward_id: reward.id } }).then(function (result) {
        go("#/redemptions/" + result.redemption.id);
      }, function (problem) {
        show(message(problemText(problem)),
          problem && problem.network ? h("button", { type: "button", class: "button big", "data-test": "retry", onclick: attempt }, t("retry")) : null,
          h("p", { class: "center" }, h("a", { href: "#/shops" }, t("back"))));
      });
    }
    attempt();
  }

  // ---------- a redemption ----------
  function redemptionScreen(id) {
    loading();
    api("GET", "/redemptions/" + id).then(live(function (redemption) {
      if (redemption.status !== "pending") return showOutcome(redemption);
      var qr = h("img", { class: "qr", alt: redemption.code, "data-test": "redemption-qr" });
      var countdown = h("p", { class: "countdown", "data-test": "countdown" });
      var cancel = h("button", { type: "button", class: "button secondary", "data-test": "cancel", onclick: function () {
        if (!window.confirm(t("cancelAsk"))) return;
        api("POST", "/redemptions/" + id + "/cancel").then(function (result) { showOutcome(result.redemption); },
          function (problem) { view.append(message(problemText(problem))); });
      } }, t("cancel"));
      show(h("p", { class: "muted center" }, t("showToShop")), h("h1", { class: "center" }, localName(redemption.reward)),
        h("div", { class: "qr-box" }, qr), h("p", { class: "code", "data-test": "redemption-code" }, redemption.code), countdown, cancel,
        h("p", { class: "center" }, h("a", { href: "#/" }, t("home"))));
      api("GET", "/redemptions/" + id + "/qr.png", { raw: true }).then(function (blob) { qr.src = URL.createObjectURL(blob); }, function () {});
      var deadline = new Date(redemption.expires_at).getTime();
      function tick() {
        var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
        countdown.textContent = t("validFor", { time: Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2) });
      }
      tick();
      timers.push(setInterval(tick, 1000));
      // Polling shows the shop's confirmation; a failed poll is simply retried.
      timers.push(setInterval(function () {
        api("GET", "/redemptions/" + id).then(live(function (now) { if (now.status !== "pending") showOutcome(now); }), function () {});
      }, 2500));
    }), live(failed(function () { redemptionScreen(id); })));
  }

  function showOutcome(redemption) {
    var ok = redemption.status === "confirmed";
    show(h("section", { class: "won center", "data-test": "redemption-" + redemption.status },
      h("p", { class: "big-number" }, ok ? "✓" : "↺"),
      h("h1", {}, localName(redemption.reward)),
      h("p", {}, t(redemption.status))),
    h("a", { class: "button huge", href: "#/" }, t("home")));
  }

  // ---------- where the resident lives (optional, for the area figures) ----------
  function areaOptions(select, areas, chosen, placeholder) {
    select.replaceChildren(h("option", { value: "" }, placeholder));
    areas.forEach(function (area) {
      select.appendChild(h("option", { value: area.code, selected: area.code === chosen }, localName(area)));
    });
    select.disabled = !areas.length;
  }

  function areaSelect(name, label) {
    return labelled(h("select", { id: "f-" + name, name: name }), label);
  }

  function profileScreen() {
    loading();
    Promise.all([api("GET", "/me"), request("GET", "/areas", { auth: false })]).then(live(function (results) {
      var me = results[0], provinces = results[1];
      var home = me.home_tambon_code || "";
      var province = areaSelect("province", t("province"));
      var district = areaSelect("district", t("district"));
      var tambon = areaSelect("home_tambon_code", t("tambon"));
      var village = input("home_village_no", t("villageNo"), "number", "off", t("villageHint"));
      village.el.required = false;
      village.el.setAttribute("min", "1");
      village.el.setAttribute("max", "99");
      village.el.setAttribute("inputmode", "numeric");
      village.el.value = me.home_village_no || "";
      var status = h("div");
      var button = h("button", { type: "submit", class: "button big", "data-test": "save-area" }, t("save"));
      // Load the parts of an area into a select; a failure shows, and the form stays usable.
      function fill(target, parent, chosen, placeholder) {
        if (!parent) return Promise.resolve(areaOptions(target.el, [], "", placeholder));
        return request("GET", "/areas?parent=" + encodeURIComponent(parent), { auth: false })
          .then(live(function (areas) { areaOptions(target.el, areas, chosen, placeholder); }),
            live(function (problem) { status.replaceChildren(message(problemText(problem))); }));
      }
      function fillDistricts(chosenDistrict, chosenTambon) {
        return fill(district, province.el.value, chosenDistrict, t("notSaying")).then(function () {
          return fill(tambon, district.el.value, chosenTambon, district.el.value ? t("notSaying") : t("chooseDistrictFirst"));
        });
      }
      areaOptions(province.el, provinces, home.slice(0, 2) || (provinces.length === 1 ? provinces[0].code : ""), t("notSaying"));
      province.wrap.hidden = provinces.length < 2;
      province.el.addEventListener("change", function () { fillDistricts("", ""); });
      district.el.addEventListener("change", function () {
        fill(tambon, district.el.value, "", district.el.value ? t("notSaying") : t("chooseDistrictFirst"));
      });
      var form = h("form", { class: "form", novalidate: true, onsubmit: save },
        province.wrap, district.wrap, tambon.wrap, village.wrap, button);

      function save(event) {
        event.preventDefault();
        status.replaceChildren();
        [tambon, village].forEach(function (field) { field.error(""); });
        var number = village.el.value.trim();
        var body = {
          home_tambon_code: tambon.el.value || null,
          home_village_no: tambon.el.value && number ? (/^\d+$/.test(number) ? Number(number) : number) : null
        };
        button.disabled = true;
        button.textContent = t("saving");
        api("PATCH", "/me", { body: body }).then(live(function (saved) {
          button.disabled = false;
          button.textContent = t("save");
          village.el.value = saved.home_village_no || "";
          status.replaceChildren(message(t("saved"), "ok"));
        }), live(function (problem) {
          button.disabled = false;
          button.textContent = t("save");
          status.replaceChildren(message(problemText(problem)));
          var fieldErrors = (problem && problem.errors) || {};
          [["home_tambon_code", tambon], ["home_village_no", village]].forEach(function (pair) {
            if (fieldErrors[pair[0]]) {
              pair[1].error([].concat(fieldErrors[pair[0]]).map(function (m) { return words("fields")[m] || m; }).join(" "));
            }
          });
        }));
      }

      show(h("h1", {}, t("myAreaTitle")),
        h("p", { class: "muted", "data-test": "area-why" }, t("myAreaWhy")),
        h("section", { class: "card" }, form, status),
        h("p", { class: "center" }, h("a", { href: "#/" }, t("home"))));
      fillDistricts(home.slice(0, 4), home);
    }), live(failed(profileScreen)));
  }

  // ---------- personal data (PDPA): the notice, a copy of one's data, erasure ----------
  // A notice's text as the server's /privacy page shows it: "## " headings, "- " lists.
  function noticeText(text) {
    var box = h("div", { class: "notice-text", "data-test": "notice-text" }), list = null, para = null;
    text.split("\n").forEach(function (raw) {
      var line = raw.trim();
      if (line.indexOf("- ") === 0) {
        para = null;
        if (!list) box.appendChild(list = h("ul"));
        list.appendChild(h("li", {}, line.slice(2).trim()));
        return;
      }
      list = null;
      if (!line) { para = null; return; }
      if (line.indexOf("## ") === 0) { para = null; box.appendChild(h("h2", {}, line.slice(3).trim())); return; }
      if (para) para.append(h("br"), line); else box.appendChild(para = h("p", {}, line));
    });
    return box;
  }

  function localNotice(notice) {
    return lang === "en" ? notice.text_en : notice.text_th;
  }

  // Sign-up's notice (folded) and its accept box; the form sends the version accepted.
  function noticeAcceptance() {
    var notice = null;
    var details = h("details", { class: "notice-box", "data-test": "signup-notice" }, h("summary", {}, t("privacyNotice")));
    var box = h("input", { type: "checkbox", id: "f-accept-notice", "data-test": "accept-notice", "aria-describedby": "f-accept-notice-error" });
    var error = h("p", { class: "field-error", id: "f-accept-notice-error", role: "alert", hidden: true });
    function problem(text) {
      error.textContent = text;
      error.hidden = !text;
    }
    box.addEventListener("change", function () { if (box.checked && notice) problem(""); });
    function load(then) {
      request("GET", "/privacy-notice", { auth: false }).then(live(function (loaded) {
        notice = loaded;
        details.firstChild.textContent = t("readNotice", { version: loaded.version });
        details.replaceChildren(details.firstChild, noticeText(localNotice(loaded)));
        if (then) then(loaded);
      }), live(function () { problem(t("noticeLoadFailed")); }));
    }
    load();
    return {
      wrap: h("div", { class: "field check" }, details,
        h("p", { class: "hint" }, h("a", { href: "/privacy", target: "_blank", rel: "noopener", "data-test": "privacy-page-link" }, t("privacyNoticePage"))),
        h("label", { class: "check-label" }, box, " ", t("acceptNotice")), error),
      version: function () { return notice.version; },
      // A new version was published while the form was open: show it, to be accepted anew.
      outdated: function () {
        box.checked = false;
        load(function (loaded) {
          details.open = true;
          problem(t("noticeChangedText", { version: loaded.version }));
          box.focus();
        });
      },
      accepted: function () {
        var ok = !!notice && box.checked;
        problem(ok ? "" : (notice ? t("mustAccept") : t("noticeLoadFailed")));
        if (!ok) box.focus();
        return ok;
      }
    };
  }

  function needsConsent(me) {
    var notice = me.privacy_notice;
    return me.role === "resident" && notice && notice.version && notice.accepted_version !== notice.version;
  }

  // On start, when the notice in force is not the one the resident accepted: read, accept.
  function consentScreen(status) {
    request("GET", "/privacy-notice", { auth: false }).then(live(function (notice) {
      var problem = h("div");
      var accept = h("button", { type: "button", class: "button big", "data-test": "accept-new-notice", onclick: function () {
        accept.disabled = true;
        api("POST", "/me/consents", { body: { privacy_notice_version: notice.version } }).then(live(function () { route(); }),
          live(function (failure) {
            accept.disabled = false;
            problem.replaceChildren(message(problemText(failure)));
            if (failure && failure.code === "privacy_notice_outdated") consentScreen(status);
          }));
      } }, t("accept"));
      show(h("section", { class: "message info", role: "status", "data-test": "notice-changed" },
        h("h1", {}, status.accepted_version ? t("noticeChangedTitle") : t("noticeFirstTitle")),
        h("p", {}, t("noticeChangedText", { version: notice.version }))),
      h("section", { class: "card notice" }, noticeText(localNotice(notice))),
      problem, accept,
      h("p", { class: "center" }, h("button", { type: "button", class: "linkish", onclick: signOut }, t("signOut"))));
    }), live(failed(function () { consentScreen(status); })));
  }

  function privacyScreen() {
    loading();
    api("GET", "/me").then(live(function (me) {
      var exportStatus = h("div"), deleteStatus = h("div");
      var download = h("button", { type: "button", class: "button big secondary", "data-test": "export", onclick: function () {
        download.disabled = true;
        api("GET", "/me/export", { raw: true }).then(live(function (blob) {
          var file = "ecolife-my-data-" + new Date().toISOString().slice(0, 10) + ".json";
          var link = h("a", { href: URL.createObjectURL(blob), download: file, hidden: true });
          document.body.appendChild(link);
          link.click();
          link.remove();
          download.disabled = false;
          exportStatus.replaceChildren(message(t("exportDone", { file: file }), "ok"));
        }), live(function (problem) {
          download.disabled = false;
          exportStatus.replaceChildren(message(problemText(problem)));
        }));
      } }, t("exportData"));
      var password = input("delete_password", t("deletePassword"), "password", "current-password");
      var erase = h("button", { type: "submit", class: "button big danger", "data-test": "delete-account" }, t("deleteConfirm"));
      var form = h("form", { class: "form", novalidate: true, onsubmit: function (event) {
        event.preventDefault();
        password.error("");
        deleteStatus.replaceChildren();
        if (!password.el.value) { password.error(words("fields")["Missing data for required field."]); return; }
        if (!window.confirm(t("deleteAsk"))) return;
        erase.disabled = true;
        api("DELETE", "/me", { body: { password: password.el.value } }).then(function () {
          forgetSession();
          show(h("section", { class: "won center", "data-test": "account-deleted" }, h("h1", {}, t("deleted")), h("p", {}, t("deletedText"))),
            h("a", { class: "button big", href: "#/signup" }, t("signUp")));
        }, live(function (problem) {
          erase.disabled = false;
          var wrong = problem && problem.errors && problem.errors.password;
          if (wrong) password.error([].concat(wrong).map(function (m) { return words("fields")[m] || m; }).join(" "));
          else deleteStatus.replaceChildren(message(problemText(problem)));
        }));
      } }, password.wrap, erase);
      var notice = me.privacy_notice || {};
      show(h("h1", {}, t("myData")),
        h("p", { class: "muted" }, t("myDataText")),
        h("section", { class: "card" },
          notice.accepted_version ? h("p", { "data-test": "accepted-version" }, t("acceptedVersion", { version: notice.accepted_version })) : null,
          h("p", {}, h("a", { href: "/privacy", target: "_blank", rel: "noopener", "data-test": "notice-link" }, t("privacyNotice")))),
        h("section", { class: "card" }, h("h2", {}, t("exportData")), h("p", { class: "muted" }, t("exportHint")), download, exportStatus),
        h("section", { class: "card danger-zone" }, h("h2", {}, t("deleteAccount")),
          h("p", { class: "message error", "data-test": "delete-warning" }, t("deleteWarning", { points: me.balance })),
          form, deleteStatus),
        h("p", { class: "center" }, h("a", { href: "#/" }, t("home"))));
    }), live(failed(privacyScreen)));
  }

  // ---------- the member card (for the counter: shown on screen or printed) ----------
  // The card's QR and typed code, printing it as a PDF, a new card, and the counter PIN.
  function cardScreen() {
    loading();
    api("GET", "/me/card").then(live(function (card) {
      var qr = h("img", { class: "qr", alt: card.card_code_display, "data-test": "card-qr" });
      var status = h("div", { "aria-live": "polite" });
      function download(size) {
        status.replaceChildren();
        api("GET", "/me/card.pdf" + (size === "a6" ? "?size=a6" : ""), { raw: true }).then(live(function (blob) {
          var link = h("a", { href: URL.createObjectURL(blob), download: "ecolife-card" + (size === "a6" ? "-a6" : "") + ".pdf", hidden: true });
          document.body.appendChild(link);
          link.click();
          link.remove();
          status.replaceChildren(message(t("cardPdfReady"), "ok"));
        }), live(function (problem) { status.replaceChildren(message(problemText(problem))); }));
      }
      var rotate = h("button", { type: "button", class: "button secondary", "data-test": "rotate-card", onclick: function () {
        if (!window.confirm(t("cardRotateAsk"))) return;
        rotate.disabled = true;
        api("POST", "/me/card/rotate").then(live(function () { cardScreen(); }),
          live(function (problem) { rotate.disabled = false; status.replaceChildren(message(problemText(problem))); }));
      } }, t("cardRotate"));
      show(h("h1", { class: "center" }, t("memberCard")),
        h("p", { class: "muted center" }, t("cardHelp")),
        h("div", { class: "qr-box" }, qr),
        h("p", { class: "code card-code", "data-test": "card-code" }, card.card_code_display),
        status,
        h("button", { type: "button", class: "button big", "data-test": "print-card", onclick: function () { download("card"); } }, t("cardPrint")),
        h("button", { type: "button", class: "button secondary", "data-test": "print-a6", onclick: function () { download("a6"); } }, t("cardPrintA6")),
        pinSection(card),
        h("section", { class: "card" }, h("h2", {}, t("cardLost")), h("p", { class: "muted" }, t("cardLostText")), rotate),
        h("p", { class: "center" }, h("a", { href: "#/" }, t("home"))));
      api("GET", "/me/card/qr.png", { raw: true }).then(live(function (blob) { qr.src = URL.createObjectURL(blob); }), function () {});
    }), live(failed(cardScreen)));
  }

  function pinSection(card) {
    var pin = input("pin", t("cardPin"), "password", "off", t("cardPinHint"));
    pin.el.setAttribute("inputmode", "numeric");
    pin.el.setAttribute("maxlength", "4");
    var password = input("password", t("password"), "password", "current-password");
    var state = h("p", { "data-test": "pin-state" }, card.has_pin ? t("cardPinSet") : t("cardPinNone"));
    var status = h("div");
    var button = h("button", { type: "submit", class: "button", "data-test": "save-pin" }, card.has_pin ? t("cardPinChange") : t("cardPinSave"));
    var form = h("form", { class: "form", novalidate: true, onsubmit: function (event) {
      event.preventDefault();
      status.replaceChildren();
      pin.error("");
      password.error("");
      button.disabled = true;
      api("POST", "/me/card/pin", { body: { pin: pin.el.value.trim(), password: password.el.value } }).then(live(function () {
        button.disabled = false;
        pin.el.value = password.el.value = "";
        state.textContent = t("cardPinSet");
        button.textContent = t("cardPinChange");
        status.replaceChildren(message(t("cardPinSaved"), "ok"));
      }), live(function (problem) {
        button.disabled = false;
        status.replaceChildren(message(problemText(problem)));
        var fieldErrors = (problem && problem.errors) || {};
        [["pin", pin], ["password", password]].forEach(function (pair) {
          if (fieldErrors[pair[0]]) {
            pair[1].error([].concat(fieldErrors[pair[0]]).map(function (m) { return words("fields")[m] || m; }).join(" "));
          }
        });
      }));
    } }, pin.wrap, password.wrap, button);
    return h("section", { class: "card" }, h("h2", {}, t("cardPinTitle")), h("p", { class: "muted" }, t("cardPinText")), state, form, status);
  }

  // ---------- routing ----------
  function route() {
    generation += 1;
    stopTimers();
    applyLanguage();
    var path = location.hash.replace(/^#/, "") || "/";
    var parts = path.split("/").filter(Boolean);
    onRoute.forEach(function (fn) { fn(parts); });
    if (parts[0] === "claim" && parts[1]) return claimScreen(decodeURIComponent(parts[1]));
    if (parts[0] === "signup") return authScreen("signup");
    if (parts[0] === "forgot") return forgotScreen();
    if (parts[0] === "login" || !tokens()) return authScreen("login");
    if (parts[0] === "scan") return scanScreen();
    if (parts[0] === "profile") return profileScreen();
    if (parts[0] === "card") return cardScreen();
    if (parts[0] === "privacy") return privacyScreen();
    if (parts[0] === "shops" && parts[1]) return shopScreen(Number(parts[1]));
    if (parts[0] === "shops") return shopsScreen();
    if (parts[0] === "redemptions" && parts[1]) return redemptionScreen(Number(parts[1]));
    if (Object.prototype.hasOwnProperty.call(screens, parts[0])) return screens[parts[0]](parts.slice(1));
    return homeScreen();
  }

  // ---------- features in files of their own (static/app/*.js, loaded after this one) ----------
  // A feature adds words (addText), screens (#/name/...), parts of the home screen (a function
  // of /me answering an element or null) and things to do on every navigation (onRoute).
  var screens = {};
  var homeParts = [];
  var BANGKOK_OFFSET_MS = 7 * 3600 * 1000; // Thailand keeps no summer time
  var MONTHS = {
    th: ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."],
    en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
  };

  // A moment (ms since 1970) as a Bangkok day people read: "31 ธ.ค. 2569" (Buddhist era) or
  // "31 Dec 2026"; with `withTime`, "… 14:05".
  function bangkokDay(moment, withTime) {
    var local = new Date(moment + BANGKOK_OFFSET_MS);
    var code = lang === "en" ? "en" : "th";
    var year = local.getUTCFullYear() + (code === "th" ? 543 : 0);
    var text = local.getUTCDate() + " " + MONTHS[code][local.getUTCMonth()] + " " + year;
    if (!withTime) return text;
    return text + " " + ("0" + local.getUTCHours()).slice(-2) + ":" + ("0" + local.getUTCMinutes()).slice(-2);
  }
  var wonParts = [];
  var onRoute = [];
  window.EcoLife = {
    api: api, h: h, t: t, words: words, show: show, go: go, live: live, loading: loading,
    message: message, failed: failed, problemText: problemText, localName: localName,
    input: input, labelled: labelled, tokens: tokens, bangkokDay: bangkokDay,
    lang: function () { return lang; },
    addText: function (more) {
      Object.keys(more).forEach(function (code) {
        Object.keys(more[code]).forEach(function (key) { TEXT[code][key] = more[code][key]; });
      });
    },
    addScreen: function (name, draw) { screens[name] = draw; },
    addHomePart: function (part) { homeParts.push(part); },
    // A part of the scan's "won" screen: a function of the scan's answer (element or null).
    addWonPart: function (part) { wonParts.push(part); },
    onRoute: function (fn) { onRoute.push(fn); }
  };

  function start() {
    route();
  }

  function updateOnline() {
    var banner = document.getElementById("offline");
    banner.textContent = t("offline");
    banner.hidden = navigator.onLine;
  }

  window.addEventListener("hashchange", route);
  window.addEventListener("online", updateOnline);
  window.addEventListener("offline", updateOnline);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(function () { /* works without */ });
  }
  updateOnline();
  // After the feature files have registered their screens.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
