(function () {
  'use strict';
  // Makes every data table (<div data-table>) sortable by any column and filterable by text, and says how many rows
  // match. Works on the rows already in the page; no network, no libraries (allowed by the page's CSP by hash).
  var blocks = document.querySelectorAll('[data-table]');
  function numberOf(cell) {
    var v = cell.getAttribute('data-v');
    var n = parseFloat(v !== null ? v : cell.textContent.replace(/[^0-9eE+.\-]/g, ''));
    return isNaN(n) ? -Infinity : n;
  }
  function setup(block) {
    var table = block.querySelector('table');
    var body = table && table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    var total = rows.length;
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var tools = block.querySelector('.table-tools');
    var input = block.querySelector('.table-filter');
    var out = block.querySelector('.match-count');
    var unit = function (n) { return n === 1 ? ' row' : ' rows'; };
    function filter() {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var hit = q === '' || texts[i].indexOf(q) >= 0;
        rows[i].hidden = !hit;
        if (hit) { shown++; }
      }
      block.classList.toggle('filtered', q !== '');
      out.textContent = q === '' ? total.toLocaleString('en-US') + unit(total)
        : shown.toLocaleString('en-US') + ' of ' + total.toLocaleString('en-US') + unit(total) + ' match';
    }
    if (tools && input && out) {
      tools.hidden = false;
      input.addEventListener('input', filter);
      filter();
    }
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector('button.sort');
      if (!button) { return; }
      button.addEventListener('click', function () {
        var numeric = th.getAttribute('data-type') === 'num';
        var dir = th.getAttribute('aria-sort') === (numeric ? 'descending' : 'ascending') ? -1 : 1;
        if (numeric) { dir = -dir; }
        var keyed = rows.map(function (r, i) {
          var cell = r.cells[col];
          return { row: r, i: i, k: cell ? (numeric ? numberOf(cell) : cell.textContent.toLowerCase()) : '' };
        });
        keyed.sort(function (a, b) {
          var c = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
          return c !== 0 ? c * dir : a.i - b.i;
        });
        var fragment = document.createDocumentFragment();
        rows = keyed.map(function (k) { fragment.appendChild(k.row); return k.row; });
        texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
        body.appendChild(fragment);
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      });
    });
  }
  for (var b = 0; b < blocks.length; b++) { setup(blocks[b]); }
})();
