// Framework tabs of a concept page; the chosen tab is remembered across pages.
document.addEventListener("DOMContentLoaded", function () {
  var tabs = document.querySelectorAll(".framework-side .tab");
  if (!tabs.length) { return; }
  var saved = null;
  try { saved = window.localStorage.getItem("rosetta-tab"); } catch (e) { saved = null; }
  function choose(name, remember) {
    var found = false;
    tabs.forEach(function (tab) { found = found || tab.getAttribute("data-tab") === name; });
    if (!found) { name = tabs[0].getAttribute("data-tab"); }
    tabs.forEach(function (tab) { tab.classList.toggle("active", tab.getAttribute("data-tab") === name); });
    document.querySelectorAll(".framework-side .tab-pane").forEach(function (pane) {
      pane.classList.toggle("active", pane.getAttribute("data-pane") === name);
    });
    if (remember) { try { window.localStorage.setItem("rosetta-tab", name); } catch (e) { /* file:// without storage */ } }
  }
  tabs.forEach(function (tab) {
    tab.addEventListener("click", function () { choose(tab.getAttribute("data-tab"), true); });
  });
  choose(saved || "torch", false);
});

// Scoreboard filters: rows of one family, the cells of one dtype, the pairs of one witness.
document.addEventListener("DOMContentLoaded", function () {
  var board = document.getElementById("scoreboard");
  var family = document.getElementById("family-filter");
  var dtype = document.getElementById("dtype-filter");
  var witness = document.getElementById("witness-filter");
  if (!board || !family || !dtype || !witness) { return; }
  function apply() {
    board.setAttribute("data-dtype", dtype.value);
    board.querySelectorAll("[data-pair]").forEach(function (cell) {
      var pair = cell.getAttribute("data-pair").split(" ");
      var shown = !witness.value || pair.indexOf(witness.value) >= 0 || pair.indexOf("*") >= 0;
      cell.classList.toggle("hidden", !shown);
    });
    // A witness's group header spans its pairs still shown, and goes when none is.
    board.querySelectorAll("th.group").forEach(function (group) {
      var name = group.getAttribute("data-group");
      var span = board.querySelectorAll('th.pair[data-group="' + name + '"]:not(.hidden)').length;
      group.classList.toggle("hidden", span === 0);
      group.colSpan = Math.max(span, 1);
    });
    var rows = board.querySelectorAll("tbody tr");
    var count = 0;
    for (var i = 0; i < rows.length; i++) {
      var shown = !family.value || rows[i].getAttribute("data-family") === family.value;
      rows[i].style.display = shown ? "" : "none";
      count += shown ? 1 : 0;
    }
    board.setAttribute("data-shown", String(count));  // rows left by the filters
  }
  family.addEventListener("change", apply);
  dtype.addEventListener("change", apply);
  witness.addEventListener("change", apply);
  apply();
});
