// sanaw's pages: search as you type, the review keys, the upload's progress.
// Every page works without this script; it only saves clicks. It runs under
// `Content-Security-Policy: default-src 'self'`: no inline code, no eval.
(function () {
  'use strict';

  /** Whether a key press is typing into a field rather than a command. */
  function typing(event) {
    var target = event.target;
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  /** The search page: results follow the box, keys move through them. */
  function searchAsYouType() {
    var form = document.getElementById('search');
    var box = document.getElementById('q');
    if (!form || !box) return;
    var timer = null;
    var asked = 0;
    box.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(run, 150);
    });
    function run() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (String(value).trim() !== '') params.append(name, value);
      });
      var url = '/search?' + params.toString();
      var mine = ++asked;
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
        .then(function (answer) { return answer.text(); })
        .then(function (text) {
          if (mine !== asked) return; // a later key press has asked again
          var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById('results-area');
          var area = document.getElementById('results-area');
          if (fresh && area) area.replaceWith(fresh);
          history.replaceState(null, '', params.toString() === '' ? '/' : url);
        })
        .catch(function () { /* the form still submits the plain way */ });
    }
    document.addEventListener('keydown', function (event) {
      if (event.key === '/' && !typing(event)) {
        event.preventDefault();
        box.focus();
        box.select();
        return;
      }
      if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
      var hits = Array.prototype.slice.call(document.querySelectorAll('#results a.hit-name'));
      if (hits.length === 0) return;
      var at = hits.indexOf(document.activeElement);
      if (document.activeElement === box && event.key === 'ArrowDown') at = -1;
      else if (at < 0) return;
      event.preventDefault();
      var next = event.key === 'ArrowDown' ? at + 1 : at - 1;
      if (next < 0) box.focus();
      else hits[Math.min(next, hits.length - 1)].focus();
    });
  }

  /** The review page: L link, N new, R reject, J next, K previous. */
  function reviewKeys() {
    if (!document.getElementById('review-keys')) return;
    var sent = false;
    document.addEventListener('keydown', function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey || sent) return;
      var key = event.key.toLowerCase();
      if ('lnrjk'.indexOf(key) < 0 || key.length !== 1) return;
      var target = document.querySelector('[data-key="' + key + '"]');
      if (!target) return;
      event.preventDefault();
      sent = true; // one decision per item, however fast the keys come
      target.click();
    });
  }

  /** The loads page: the file goes up as the body, with its progress shown. */
  function upload() {
    var form = document.getElementById('upload');
    if (!form) return;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var file = document.getElementById('file').files[0];
      if (!file) return;
      var params = new URLSearchParams();
      params.set('source', form.elements.source.value);
      params.set('file_name', file.name.slice(0, 200));
      if (form.elements.effective_date.value) params.set('effective_date', form.elements.effective_date.value);
      if (form.elements.dry_run.checked) params.set('dry_run', 'true');
      var bar = document.getElementById('upload-progress');
      var status = document.getElementById('upload-status');
      bar.hidden = false;
      bar.value = 0;
      status.classList.remove('problem');
      status.textContent = status.getAttribute('data-uploading');
      var request = new XMLHttpRequest();
      request.open('POST', '/loads/upload?' + params.toString());
      request.setRequestHeader('Content-Type', 'text/csv');
      request.setRequestHeader('X-CSRF-Token', form.getAttribute('data-csrf'));
      request.upload.addEventListener('progress', function (progress) {
        if (progress.lengthComputable) bar.value = Math.round((100 * progress.loaded) / progress.total);
      });
      request.addEventListener('load', function () {
        var answer = {};
        try { answer = JSON.parse(request.responseText); } catch (ignored) { /* not JSON */ }
        if (request.status === 202 && answer.location) {
          bar.value = 100;
          window.location.assign(answer.location);
          return;
        }
        bar.hidden = true;
        status.classList.add('problem');
        status.textContent = answer.detail || 'HTTP ' + request.status;
      });
      request.addEventListener('error', function () {
        bar.hidden = true;
        status.classList.add('problem');
        status.textContent = 'the upload was cut off';
      });
      request.send(file);
    });
  }

  searchAsYouType();
  reviewKeys();
  upload();
})();
