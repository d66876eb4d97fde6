(function () {
  'use strict';
  // Draws every chart of the page from its JSON data block (<script type="application/json" data-chart="...">).
  var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
  var drawn = [];
  for (var i = 0; i < blocks.length; i++) {
    var block = blocks[i];
    var target = document.getElementById(block.getAttribute('data-chart'));
    if (!target) { continue; }
    if (typeof Plotly === 'undefined') {
      target.textContent = 'Chart not available: plotly.js did not load. The table below holds the same numbers.';
      target.className += ' chart-missing';
      continue;
    }
    var spec = JSON.parse(block.textContent);
    Plotly.newPlot(target, spec.figure.data, spec.figure.layout, spec.config);
    drawn.push(target);
  }
  // Fit the charts to the paper width when printing, and back afterwards.
  function resizeAll() { for (var j = 0; j < drawn.length; j++) { Plotly.Plots.resize(drawn[j]); } }
  window.addEventListener('beforeprint', resizeAll);
  window.addEventListener('afterprint', resizeAll);
})();
