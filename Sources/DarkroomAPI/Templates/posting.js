// The posting page's place search as the person types: asks /create/places for the places whose name starts with
// what is typed (nearest first when latitude and longitude are given) and shows them where the "Find places" button
// would. Without this script the button does the same with the whole page.
(function () {
  "use strict";
  var field = document.getElementById("place_q");
  var results = document.getElementById("place-results");
  if (!field || !results) { return; }
  var timer = null;
  var asked = 0;

  function search() {
    var ask = ++asked;
    var query = new URLSearchParams({ place_q: field.value });
    var lat = document.getElementById("lat");
    var lng = document.getElementById("lng");
    if (lat && lng && lat.value && lng.value) { query.set("lat", lat.value); query.set("lng", lng.value); }
    // The draft's token, so the server can order the places by where the photo was taken.
    var draft = (field.form.getAttribute("action") || "").split("/create/drafts/")[1];
    if (draft) { query.set("draft", draft); }
    var chosen = results.querySelector("input[name=location_id]:checked");
    if (chosen) { query.set("location_id", chosen.value); }
    fetch("/create/places?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      // The answer is markup the server rendered and escaped; an older answer never replaces a newer one.
      .then(function (html) { if (html !== null && ask === asked) { results.innerHTML = html; } })
      .catch(function () {});
  }

  field.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
})();
