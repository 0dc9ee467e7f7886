// Shegong Workbench: the page helpers Voila's lab template writes inline, as a file, so that the
// Content-Security-Policy allows scripts from this server only (no 'unsafe-inline'; issue 14).
(function () {
  window.themeLoaded = true;  // the light theme is linked in the head
  window.voila_heartbeat = function () {};
  window.update_loading_text = function (cellIndex, cellCount, text) {
    var el = document.getElementById('loading_text');
    if (el) { el.textContent = text || ('正在生成 ' + cellIndex + ' / ' + cellCount + '… Running cell ' + cellIndex + ' of ' + cellCount + '…'); }
  };
  window.display_cells = function () {
    var el = document.getElementById('loading');
    if (el) { el.parentNode.removeChild(el); }
    el = document.getElementById('rendered_cells');
    if (el) { el.style.display = ''; }
  };
  window.voila_process = window.update_loading_text;
  window.voila_finish = window.display_cells;
  // links between pages of the portal open in the same tab (JupyterLab's renderer sets _blank)
  function sameTab(root) {
    root.querySelectorAll('a[target="_blank"]').forEach(function (a) {
      if (a.origin === window.location.origin) { a.target = '_self'; a.removeAttribute('rel'); }
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    var loading = document.getElementById('loading_text');
    if (loading) { loading.textContent = '正在加载… Loading…'; }
    new MutationObserver(function () { sameTab(document); }).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['target']});
    sameTab(document);
  });
})();
