// EcoLife resident app: campaigns near the resident (GET /campaigns) on the home screen, and
// the campaign's bonus on the scan's "won" screen (the answer's scan.campaign).
(function () {
  "use strict";

  var E = window.EcoLife, h = E.h, t = E.t;

  E.addText({
    th: {
      campaignsTitle: "แคมเปญแต้มพิเศษ",
      campaignTimes: "แต้ม ×{times}",
      campaignPlus: "+{points} แต้มทุกครั้งที่สแกน",
      campaignAnd: " และ ",
      campaignEverywhere: "ทุกร้านในจังหวัด",
      campaignIn: "ทุกร้านใน{places}",
      campaignDistrict: "อำเภอ{name}",
      campaignTambon: "ตำบล{name}",
      campaignAt: "ที่{shops}",
      campaignOnly: "เฉพาะ{actions}",
      campaignUntil: "ถึง {day}",
      campaignStarts: "เริ่ม {day}",
      campaignBonus: "รวมโบนัสแคมเปญ {name} +{points} แต้ม"
    },
    en: {
      campaignsTitle: "Bonus campaigns",
      campaignTimes: "Points ×{times}",
      campaignPlus: "+{points} points a scan",
      campaignAnd: " and ",
      campaignEverywhere: "at every shop in the province",
      campaignIn: "at every shop in {places}",
      campaignDistrict: "{name} district",
      campaignTambon: "{name}",
      campaignAt: "at {shops}",
      campaignOnly: "{actions} only",
      campaignUntil: "until {day}",
      campaignStarts: "starts {day}",
      campaignBonus: "Includes the {name} campaign bonus +{points}"
    }
  });
  // The history's entry kinds are one table per language: add ours to it.
  window.ECOLIFE_TEXT.th.kinds.bonus = "โบนัสแคมเปญ";
  window.ECOLIFE_TEXT.en.kinds.bonus = "campaign bonus";

  // A day as people read it: "31 ธ.ค. 2569" (Buddhist era) or "31 Dec 2026", in Bangkok.
  function day(moment) {
    return E.bangkokDay(moment);
  }

  function names(items) {
    return items.map(function (item) { return item.name; }).join(", ");
  }

  // "แต้ม ×2 ทุกร้านในอำเภอลี้ ถึง 31 ธ.ค. 2569"
  function sentence(c) {
    var gives = [];
    if (c.multiplier) gives.push(t("campaignTimes", { times: c.multiplier }));
    if (c.bonus_points) gives.push(t("campaignPlus", { points: c.bonus_points }));
    var places = c.areas.map(function (area) {
      return t(area.code.length === 4 ? "campaignDistrict" : "campaignTambon", { name: area.name });
    }).join(", ");
    var where = [];
    if (places) where.push(t("campaignIn", { places: places }));
    if (c.shops.length) where.push(t("campaignAt", { shops: names(c.shops) }));
    if (!where.length) where.push(t("campaignEverywhere"));
    var parts = [gives.join(t("campaignAnd")), where.join(", ")];
    if (c.actions.length) parts.push("(" + t("campaignOnly", { actions: names(c.actions) }) + ")");
    var upcoming = c.status === "upcoming";
    parts.push(upcoming ? t("campaignStarts", { day: day(Date.parse(c.starts_at)) })
      : t("campaignUntil", { day: day(Date.parse(c.ends_at) - 1) }));
    return parts.join(" ");
  }

  function item(c) {
    return h("li", { class: c.status === "upcoming" ? "upcoming" : null, "data-test": "campaign-" + c.id },
      h("strong", {}, c.name), h("br"), h("span", {}, sentence(c)));
  }

  // Filled when the list arrives; stays hidden when no campaign is near.
  E.addHomePart(function () {
    var list = h("ul", { class: "campaign-list" });
    var strip = h("section", { class: "card campaigns", "data-test": "campaigns", hidden: true },
      h("h2", {}, t("campaignsTitle")), list);
    E.api("GET", "/campaigns?include=upcoming").then(function (found) {
      if (!found.length) return;
      list.replaceChildren.apply(list, found.map(item));
      strip.hidden = false;
    }, function () { /* the home screen works without it */ });
    return strip;
  });

  E.addWonPart(function (result) {
    var c = result.scan.campaign;
    if (!c) return null;
    return h("p", { class: "campaign-bonus", "data-test": "campaign-bonus" },
      t("campaignBonus", { name: c.name, points: c.bonus_points }));
  });
})();
