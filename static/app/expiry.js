// EcoLife resident app: points that will expire (GET /me's `expiring`), under the balance.
(function () {
  "use strict";

  var E = window.EcoLife, h = E.h, t = E.t;

  E.addText({
    th: {
      expiringOn: "{points} แต้มจะหมดอายุวันที่ {day}",
      expiredOn: "{points} แต้มหมดอายุแล้ว (ใช้ได้ถึงวันที่ {day})",
      expiringMore: "วันหมดอายุอื่น",
      expiringSpendFirst: "เวลาแลกรางวัล ระบบจะใช้แต้มที่ใกล้หมดอายุก่อน"
    },
    en: {
      expiringOn: "{points} points expire on {day}",
      expiredOn: "{points} points have expired (usable until {day})",
      expiringMore: "Other expiry dates",
      expiringSpendFirst: "Rewards use the points that expire soonest first."
    }
  });
  // The history's entry kinds are one table per language: add ours to it.
  window.ECOLIFE_TEXT.th.kinds.expire = "แต้มหมดอายุ";
  window.ECOLIFE_TEXT.en.kinds.expire = "expired";

  // The last day points can be used: `expires_at` is the first moment they no longer count.
  function lastDay(expiresAt) {
    return E.bangkokDay(Date.parse(expiresAt) - 1);
  }

  function line(item, test) {
    var past = Date.parse(item.expires_at) <= Date.now();
    var words = t(past ? "expiredOn" : "expiringOn", { points: item.points, day: lastDay(item.expires_at) });
    return h("span", { "data-test": test }, words);
  }

  E.addHomePart(function (me) {
    var dates = me.expiring || [];
    if (!dates.length) return null;
    var more = dates.slice(1);
    return h("section", { class: "card expiring", "data-test": "expiring" },
      h("p", { class: "expiring-soonest" }, h("strong", {}, line(dates[0], "expiring-soonest"))),
      more.length ? h("details", { "data-test": "expiring-more" },
        h("summary", {}, t("expiringMore")),
        h("ul", {}, more.map(function (item) { return h("li", {}, line(item, "expiring-date")); }))) : null,
      h("p", { class: "muted" }, t("expiringSpendFirst")));
  });
})();
