/*
 * The grading form's live grade: as the assessor marks criteria, the form is sent with
 * action=check (the "Check the grade" button's request: the server applies the plan's rule and
 * saves nothing) and the grade, the confirmation's wording and the KSB coverage are taken from
 * the page it answers. Without JavaScript the button does the same with a full page.
 */
(function () {
  'use strict';
  var form = document.querySelector('form[data-grade-preview]');
  if (!form || !window.fetch || !window.DOMParser || !window.URLSearchParams || !window.FormData) return;
  var REFRESHED = ['derived-grade', 'confirm-label', 'ksb-coverage', 'ksb-coverage-sampled'];
  var timer = null;
  var latest = 0;

  function refresh() {
    var asked = ++latest;
    var body = new URLSearchParams(new FormData(form));
    body.set('action', 'check');
    fetch(form.getAttribute('action'), {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      headers: { Accept: 'text/html' },
    })
      .then(function (response) {
        return response.ok || response.status === 400 ? response.text() : null;
      })
      .then(function (html) {
        // An answer overtaken by a later change is dropped.
        if (html === null || asked !== latest) return;
        var page = new DOMParser().parseFromString(html, 'text/html');
        REFRESHED.forEach(function (id) {
          var from = page.getElementById(id);
          var to = document.getElementById(id);
          if (from && to) to.innerHTML = from.innerHTML;
        });
      })
      .catch(function () {
        // Offline or refused: the button still works, and the page says what it last knew.
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  form.addEventListener('change', later);
  form.addEventListener('input', later);
})();
