// EcoLife resident app: the inbox (#/notifications) and the bell with its unread badge.
(function () {
  "use strict";

  var E = window.EcoLife, h = E.h, t = E.t;
  var CHECK_EVERY_MS = 30 * 1000; // the badge asks the server at most this often

  E.addText({
    th: {
      inboxTitle: "การแจ้งเตือน",
      inboxBell: "การแจ้งเตือน",
      inboxUnread: "ยังไม่ได้อ่าน {n} รายการ",
      inboxAllRead: "อ่านทั้งหมด",
      inboxEmpty: "ยังไม่มีการแจ้งเตือน เมื่อแลกของรางวัลสำเร็จ แต้มใกล้หมดอายุ หรือมีแคมเปญใหม่ในพื้นที่ของคุณ จะแจ้งที่นี่",
      inboxMore: "ดูเพิ่มเติม",
      inboxNew: "ใหม่"
    },
    en: {
      inboxTitle: "Notifications",
      inboxBell: "Notifications",
      inboxUnread: "{n} unread",
      inboxAllRead: "Mark all as read",
      inboxEmpty: "No notifications yet. You will hear here when a reward is handed over, points are about to expire or a campaign starts in your area.",
      inboxMore: "Show more",
      inboxNew: "New"
    }
  });

  // ---------- the bell ----------
  var badge = h("span", { class: "badge", "data-test": "unread-badge", hidden: true });
  var bell = h("a", { href: "#/notifications", class: "bell", "data-test": "bell", hidden: true },
    bellIcon(), badge);
  var header = document.querySelector("header.bar");
  header.insertBefore(bell, document.getElementById("lang-switch"));
  var checkedAt = 0;

  function bellIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z");
    svg.appendChild(path);
    return svg;
  }

  function showUnread(unread) {
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = !unread;
    var label = t("inboxBell") + (unread ? " · " + t("inboxUnread", { n: unread }) : "");
    bell.setAttribute("aria-label", label);
    bell.setAttribute("title", label);
  }

  // On every navigation: the unread count of a one-item page, at most every 30 seconds.
  E.onRoute(function (parts) {
    var signedIn = !!E.tokens() && ["login", "signup", "forgot", "claim"].indexOf(parts[0]) < 0;
    bell.hidden = !signedIn;
    if (signedIn) bell.setAttribute("aria-current", parts[0] === "notifications" ? "page" : "false");
    if (!signedIn || parts[0] === "notifications" || Date.now() - checkedAt < CHECK_EVERY_MS) return;
    checkedAt = Date.now();
    E.api("GET", "/me/notifications?limit=1").then(function (page) {
      showUnread(page.unread);
    }, function () { checkedAt = 0; /* try again on the next navigation */ });
  });

  // ---------- the inbox screen ----------
  function when(iso) {
    return E.bangkokDay(Date.parse(iso), true);
  }

  function markRead(body) {
    return E.api("POST", "/me/notifications/read", { body: body }).then(function (answer) {
      checkedAt = Date.now();
      showUnread(answer.unread);
      return answer.unread;
    });
  }

  function item(note, allRead) {
    var unread = !note.read_at;
    var row = h("button", { type: "button", class: "note" + (unread ? " unread" : ""), "data-test": "notification", "data-kind": note.kind },
      h("span", { class: "note-title" }, unread ? h("span", { class: "note-new" }, t("inboxNew")) : null, note.title),
      note.body ? h("span", { class: "note-body" }, note.body) : null,
      h("span", { class: "note-when" }, when(note.created_at)));
    row.addEventListener("click", function () {
      if (!row.classList.contains("unread")) return;
      row.classList.remove("unread");
      var mark = row.querySelector(".note-new");
      if (mark) mark.remove();
      markRead({ ids: [note.id] }).then(function (left) { allRead.disabled = !left; }, function () {
        row.classList.add("unread"); // not saved: show it as unread again
      });
    });
    return h("li", {}, row);
  }

  function screen() {
    E.loading();
    E.api("GET", "/me/notifications?limit=20").then(E.live(draw), E.live(E.failed(screen)));
  }

  function draw(page) {
    showUnread(page.unread);
    checkedAt = Date.now();
    var status = h("div");
    var newest = page.items.length ? page.items[0].id : undefined; // newest first
    var allRead = h("button", { type: "button", class: "button secondary", "data-test": "mark-all-read", disabled: !page.unread }, t("inboxAllRead"));
    var list = h("ul", { class: "notes", "data-test": "notifications" });
    var more = h("button", { type: "button", class: "button secondary", "data-test": "more", hidden: true }, t("inboxMore"));

    function add(found) {
      found.items.forEach(function (note) { list.appendChild(item(note, allRead)); });
      more.hidden = !found.next_cursor;
      more.onclick = function () {
        more.disabled = true;
        E.api("GET", "/me/notifications?limit=20&cursor=" + encodeURIComponent(found.next_cursor)).then(E.live(function (next) {
          more.disabled = false;
          add(next);
        }), E.live(function (problem) {
          more.disabled = false;
          status.replaceChildren(E.message(E.problemText(problem)));
        }));
      };
    }

    allRead.addEventListener("click", function () {
      allRead.disabled = true;
      // Only what the screen showed: one that arrived since stays unread.
      markRead({ all: true, up_to_id: newest }).then(E.live(function () {
        Array.prototype.forEach.call(list.querySelectorAll(".note.unread"), function (row) {
          row.classList.remove("unread");
          var mark = row.querySelector(".note-new");
          if (mark) mark.remove();
        });
      }), E.live(function (problem) {
        allRead.disabled = false;
        status.replaceChildren(E.message(E.problemText(problem)));
      }));
    });

    if (!page.items.length) {
      E.show(h("h1", {}, t("inboxTitle")), h("p", { class: "card muted", "data-test": "inbox-empty" }, t("inboxEmpty")));
      return;
    }
    add(page);
    E.show(h("div", { class: "inbox-head" }, h("h1", {}, t("inboxTitle")), allRead), status, list, more);
  }

  E.addScreen("notifications", screen);
})();
