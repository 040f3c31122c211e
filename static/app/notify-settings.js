// EcoLife resident app: where notifications go (#/notify-settings): this phone (Web Push),
// LINE (linked by a code sent to the programme's Official Account), e-mail (staff and admins).
(function () {
  "use strict";

  var E = window.EcoLife, h = E.h, t = E.t;
  var POLL_MS = 3000; // while a LINE code waits, ask whether it was used this often

  E.addText({
    th: {
      notifyTitle: "ตั้งค่าการแจ้งเตือน",
      notifyLink: "รับการแจ้งเตือนทางโทรศัพท์หรือ LINE",
      notifyIntro: "เลือกช่องทางที่อยากให้แจ้งเตือน เช่น แลกของรางวัลสำเร็จ แต้มใกล้หมดอายุ หรือมีแคมเปญใหม่ จะไม่ส่งไปช่องทางที่คุณไม่ได้เปิด",
      notifyQuiet: "ช่วงเวลา 21:00–07:00 น. จะไม่ส่งการแจ้งเตือน เก็บไว้ส่งตอน 07:00 น.",
      notifyPhone: "แจ้งเตือนบนโทรศัพท์เครื่องนี้",
      notifyPhoneOn: "เปิดอยู่",
      notifyPhoneOff: "ปิดอยู่",
      notifyPhoneTurnOn: "เปิดการแจ้งเตือนบนโทรศัพท์",
      notifyPhoneTurnOff: "ปิดการแจ้งเตือนบนโทรศัพท์",
      notifyPhoneUnsupported: "โทรศัพท์หรือเบราว์เซอร์นี้ยังรับการแจ้งเตือนไม่ได้ ถ้าใช้ iPhone ให้กด \"แชร์\" แล้ว \"เพิ่มไปยังหน้าจอโฮม\" ก่อน แล้วเปิดแอปจากไอคอน",
      notifyPhoneDenied: "โทรศัพท์ไม่อนุญาตให้แจ้งเตือน เปิดได้ที่การตั้งค่าของเบราว์เซอร์ (การแจ้งเตือน) แล้วลองใหม่",
      notifyPhoneOffServer: "ระบบนี้ยังไม่เปิดการแจ้งเตือนบนโทรศัพท์",
      notifyLine: "LINE",
      notifyLineLinked: "เชื่อมบัญชี LINE แล้ว",
      notifyLineNotLinked: "ยังไม่ได้เชื่อมบัญชี LINE",
      notifyLineConnect: "เชื่อมกับ LINE",
      notifyLineUnlink: "ยกเลิกการเชื่อม LINE",
      notifyLineSend: "ส่งการแจ้งเตือนทาง LINE",
      notifyLineStep1: "1. เพิ่มบัญชี LINE ของโครงการเป็นเพื่อน",
      notifyLineAddFriend: "เพิ่มเพื่อนใน LINE",
      notifyLineStep2: "2. ส่งรหัสนี้เป็นข้อความในแชตของโครงการ",
      notifyLineValid: "รหัสใช้ได้ถึง {time} น.",
      notifyLineWaiting: "กำลังรอรหัสจาก LINE…",
      notifyLineExpired: "รหัสหมดอายุแล้ว กด \"เชื่อมกับ LINE\" เพื่อขอรหัสใหม่",
      notifyLineDone: "เชื่อมบัญชี LINE แล้ว การแจ้งเตือนจะส่งไปที่ LINE",
      notifyEmail: "อีเมล",
      notifyEmailSend: "ส่งการแจ้งเตือนทางอีเมล",
      notifySaved: "บันทึกแล้ว"
    },
    en: {
      notifyTitle: "Notification settings",
      notifyLink: "Get notifications on your phone or LINE",
      notifyIntro: "Choose where to hear about rewards handed over, points about to expire or new campaigns. Nothing goes to a channel you have not turned on.",
      notifyQuiet: "Nothing is sent between 21:00 and 07:00; it waits until 07:00.",
      notifyPhone: "Notifications on this phone",
      notifyPhoneOn: "On",
      notifyPhoneOff: "Off",
      notifyPhoneTurnOn: "Turn on phone notifications",
      notifyPhoneTurnOff: "Turn off phone notifications",
      notifyPhoneUnsupported: "This phone or browser cannot receive notifications. On an iPhone, tap \"Share\" then \"Add to Home Screen\" first, and open the app from its icon.",
      notifyPhoneDenied: "Notifications are blocked for this site. Allow them in the browser's settings (Notifications) and try again.",
      notifyPhoneOffServer: "Phone notifications are not available on this server.",
      notifyLine: "LINE",
      notifyLineLinked: "LINE account linked",
      notifyLineNotLinked: "No LINE account linked",
      notifyLineConnect: "Link with LINE",
      notifyLineUnlink: "Unlink LINE",
      notifyLineSend: "Send notifications to LINE",
      notifyLineStep1: "1. Add the programme's LINE account as a friend",
      notifyLineAddFriend: "Add friend in LINE",
      notifyLineStep2: "2. Send this code as a message in the programme's chat",
      notifyLineValid: "The code works until {time}.",
      notifyLineWaiting: "Waiting for the code from LINE…",
      notifyLineExpired: "The code has expired. Tap \"Link with LINE\" for a new one.",
      notifyLineDone: "LINE account linked: notifications will go to LINE.",
      notifyEmail: "E-mail",
      notifyEmailSend: "Send notifications by e-mail",
      notifySaved: "Saved"
    }
  });

  E.addHomePart(function () {
    return h("a", { class: "card link", href: "#/notify-settings", "data-test": "notify-settings-link" },
      h("strong", {}, t("notifyLink")));
  });

  // ---------- Web Push ----------
  function pushSupported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function keyBytes(base64url) {
    var text = base64url.replace(/-/g, "+").replace(/_/g, "/");
    text += "===".slice((text.length + 3) % 4);
    var raw = atob(text), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  // Ask permission, subscribe this browser with the server's VAPID key, and hand it over.
  function turnPhoneOn() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw { detail: t("notifyPhoneDenied") };
      return Promise.all([E.api("GET", "/push/vapid-public-key"), navigator.serviceWorker.ready]);
    }).then(function (found) {
      var key = found[0].public_key, registration = found[1];
      return registration.pushManager.getSubscription().then(function (old) {
        return old || registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
      });
    }).then(function (subscription) {
      return E.api("POST", "/me/push-subscriptions", { body: subscription.toJSON() });
    });
  }

  // This browser's subscription, if it has one (null where push is not supported).
  function thisSubscription() {
    if (!pushSupported()) return Promise.resolve(null);
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    });
  }

  // The hex SHA-256 of this browser's endpoint, as the server lists its user's browsers.
  function endpointDigest(subscription) {
    if (!subscription || !window.crypto || !crypto.subtle) return Promise.resolve(null);
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(subscription.endpoint)).then(function (hash) {
      return Array.prototype.map.call(new Uint8Array(hash), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    });
  }

  // "On this phone" is this browser's own subscription, not any of the account's browsers.
  function phoneIsOn(settings) {
    if (!settings.web_push || !settings.web_push_subscribed) return Promise.resolve(false);
    return thisSubscription().then(endpointDigest).then(function (digest) {
      return digest !== null && (settings.web_push_browsers || []).indexOf(digest) >= 0;
    }, function () { return false; });
  }

  // Forget this browser only: the server turns phone notifications off with the last one.
  function turnPhoneOff() {
    return thisSubscription().then(function (subscription) {
      if (!subscription) return null;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return E.api("DELETE", "/me/push-subscriptions", { body: { endpoint: endpoint } });
      });
    });
  }

  function phoneSection(settings, on, redraw, status) {
    var state = h("p", { "data-test": "phone-state" }, h("strong", {}, on ? t("notifyPhoneOn") : t("notifyPhoneOff")));
    var note = null, button = null;
    if (!settings.web_push_available) note = h("p", { class: "muted" }, t("notifyPhoneOffServer"));
    else if (!on && !pushSupported()) note = h("p", { class: "muted", "data-test": "phone-unsupported" }, t("notifyPhoneUnsupported"));
    else {
      button = h("button", { type: "button", class: "button big" + (on ? " secondary" : ""), "data-test": on ? "phone-off" : "phone-on" },
        on ? t("notifyPhoneTurnOff") : t("notifyPhoneTurnOn"));
      button.addEventListener("click", function () {
        button.disabled = true;
        status.replaceChildren();
        (on ? turnPhoneOff() : turnPhoneOn()).then(E.live(redraw), E.live(function (problem) {
          button.disabled = false;
          status.replaceChildren(E.message(E.problemText(problem)));
        }));
      });
    }
    return h("section", { class: "card", "data-test": "phone" }, h("h2", {}, t("notifyPhone")), state, note, button);
  }

  // ---------- LINE ----------
  function clock(iso) {
    var local = new Date(Date.parse(iso) + 7 * 3600 * 1000); // Bangkok, no summer time
    return ("0" + local.getUTCHours()).slice(-2) + ":" + ("0" + local.getUTCMinutes()).slice(-2);
  }

  function checkbox(label, checked, test, change) {
    var box = h("input", { type: "checkbox", "data-test": test, checked: checked });
    box.addEventListener("change", function () { change(box); });
    return h("label", { class: "check-label" }, box, h("span", {}, label));
  }

  function lineSection(settings, redraw, status) {
    var line = settings.line;
    if (!line.available) return null;
    var body = h("div");
    var section = h("section", { class: "card", "data-test": "line" }, h("h2", {}, t("notifyLine")), body);
    if (line.linked) {
      var unlink = h("button", { type: "button", class: "button secondary", "data-test": "line-unlink" }, t("notifyLineUnlink"));
      unlink.addEventListener("click", function () {
        unlink.disabled = true;
        E.api("DELETE", "/me/line-link").then(E.live(redraw), E.live(function (problem) {
          unlink.disabled = false;
          status.replaceChildren(E.message(E.problemText(problem)));
        }));
      });
      body.append(h("p", { "data-test": "line-state" }, h("strong", {}, t("notifyLineLinked"))),
        checkbox(t("notifyLineSend"), line.enabled, "line-enabled", function (box) {
          save({ line: { enabled: box.checked } }, status, box);
        }), unlink);
      return section;
    }
    var connect = h("button", { type: "button", class: "button big", "data-test": "line-connect" }, t("notifyLineConnect"));
    connect.addEventListener("click", function () {
      connect.disabled = true;
      E.api("POST", "/me/line-link").then(E.live(function (link) {
        connect.hidden = true;
        body.append(codeCard(link));
        poll(link, body, redraw);
      }), E.live(function (problem) {
        connect.disabled = false;
        status.replaceChildren(E.message(E.problemText(problem)));
      }));
    });
    body.append(h("p", { "data-test": "line-state" }, t("notifyLineNotLinked")), connect);
    return section;
  }

  function codeCard(link) {
    return h("div", { class: "line-code", "data-test": "line-code" },
      h("p", {}, t("notifyLineStep1")),
      link.add_friend_url ? h("p", {}, h("a", { class: "button secondary", href: link.add_friend_url, target: "_blank", rel: "noopener", "data-test": "line-add-friend" }, t("notifyLineAddFriend"))) : null,
      h("p", {}, t("notifyLineStep2")),
      h("p", { class: "big-number center", "data-test": "line-code-text" }, link.code),
      h("p", { class: "muted" }, t("notifyLineValid", { time: clock(link.expires_at) })),
      h("p", { class: "muted", "data-test": "line-waiting", role: "status" }, t("notifyLineWaiting")));
  }

  // Until the code is used (or expires), ask every few seconds; leaving the screen stops it.
  function poll(link, body, redraw) {
    var check = E.live(function () {
      if (Date.now() > Date.parse(link.expires_at)) {
        body.querySelector("[data-test=line-waiting]").textContent = t("notifyLineExpired");
        return;
      }
      E.api("GET", "/me/notification-settings").then(E.live(function (settings) {
        if (settings.line.linked) redraw(t("notifyLineDone"));
        else setTimeout(check, POLL_MS);
      }), function () { setTimeout(check, POLL_MS); });
    });
    setTimeout(check, POLL_MS);
  }

  // ---------- e-mail ----------
  function emailSection(settings, status) {
    if (!settings.email.available) return null;
    return h("section", { class: "card", "data-test": "email" }, h("h2", {}, t("notifyEmail")),
      checkbox(t("notifyEmailSend"), settings.email.enabled, "email-enabled", function (box) {
        save({ email: { enabled: box.checked } }, status, box);
      }));
  }

  function save(change, status, box) {
    box.disabled = true;
    E.api("PATCH", "/me/notification-settings", { body: change }).then(E.live(function () {
      box.disabled = false;
      status.replaceChildren(E.message(t("notifySaved"), "ok"));
    }), E.live(function (problem) {
      box.disabled = false;
      box.checked = !box.checked;
      status.replaceChildren(E.message(E.problemText(problem)));
    }));
  }

  // ---------- the screen ----------
  function screen(done) {
    E.loading();
    E.api("GET", "/me/notification-settings").then(function (settings) {
      return phoneIsOn(settings).then(function (on) { return [settings, on]; });
    }).then(E.live(function (found) {
      var settings = found[0], phoneOn = found[1];
      var status = h("div", { "data-test": "notify-status" });
      if (typeof done === "string") status.append(E.message(done, "ok"));
      var redraw = function (note) { screen(note); };
      E.show(h("h1", {}, t("notifyTitle")),
        h("p", { class: "muted" }, t("notifyIntro")),
        status,
        phoneSection(settings, phoneOn, redraw, status),
        lineSection(settings, redraw, status),
        emailSection(settings, status),
        h("p", { class: "muted center" }, t("notifyQuiet")));
    }), E.live(E.failed(screen)));
  }

  E.addScreen("notify-settings", function () { screen(); });
})();
