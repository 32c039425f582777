// Scoreboard filters: hide rows of other families, show the cells of one dtype.
document.addEventListener("DOMContentLoaded", function () {
  var board = document.getElementById("scoreboard");
  var family = document.getElementById("family-filter");
  var dtype = document.getElementById("dtype-filter");
  if (!board || !family || !dtype) { return; }
  function apply() {
    board.setAttribute("data-dtype", dtype.value);
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
  apply();
});
