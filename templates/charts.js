(function () {
  'use strict';
  // Draws every chart of the page from its JSON data block (<script type="application/json" data-chart="...">).
  var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
  var drawn = [];
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  // Dark pages get dark charts: transparent paper, light text and grid lines that do not glare.
  function darken(layout) {
    layout.paper_bgcolor = 'rgba(0,0,0,0)';
    layout.plot_bgcolor = 'rgba(0,0,0,0)';
    layout.font = layout.font || {};
    layout.font.color = '#d6dde6';
    ['xaxis', 'yaxis'].forEach(function (a) {
      if (layout[a]) { layout[a].gridcolor = '#38414d'; layout[a].zerolinecolor = '#4a5563'; layout[a].linecolor = '#4a5563'; }
    });
    (layout.updatemenus || []).forEach(function (m) { m.bgcolor = '#2a323d'; m.bordercolor = '#4a5563'; m.font = { color: '#d6dde6' }; });
  }
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
    if (dark) { darken(spec.figure.layout); }
    Plotly.newPlot(target, spec.figure.data, spec.figure.layout, spec.config);
    drawn.push(target);
  }
  // Fit the charts to the paper width when printing, and back afterwards.
  function resizeAll() { for (var j = 0; j < drawn.length; j++) { Plotly.Plots.resize(drawn[j]); } }
  window.addEventListener('beforeprint', resizeAll);
  window.addEventListener('afterprint', resizeAll);
})();
