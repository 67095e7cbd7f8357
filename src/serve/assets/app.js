// carta serve: keyboard shortcuts and small guards for the server-rendered pages. Every action
// is an ordinary form or link, so the pages work without this script; it only makes them faster.
'use strict';

(function () {
  // A key runs the element marked data-key="k" (a button submits its form, a link is followed),
  // unless the person is typing in a field.
  function typing(target) {
    if (!target) return false;
    const tag = target.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
  }

  function reasonMissing(button) {
    const form = button.form;
    if (!form || button.value !== 'exclude') return false;
    const reason = form.querySelector('select[data-required-for="exclude"]') ||
      document.querySelector('select[data-required-for="exclude"]');
    if (!reason || reason.value !== '') return false;
    reason.focus();
    reason.setAttribute('aria-invalid', 'true');
    let hint = document.getElementById('reason-hint');
    if (!hint) {
      hint = document.createElement('p');
      hint.id = 'reason-hint';
      hint.className = 'error';
      hint.setAttribute('role', 'alert');
      hint.textContent = 'Choose a reason for the exclusion first (PRISMA reports them).';
      reason.parentNode.appendChild(hint);
    }
    return true;
  }

  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Escape' && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (typing(event.target)) return;
    const key = event.key.toLowerCase();
    const target = document.querySelector('[data-key="' + CSS.escape(key) + '"]');
    if (!target) return;
    event.preventDefault();
    target.click();
  });

  document.addEventListener('click', function (event) {
    const button = event.target.closest('button');
    if (button && reasonMissing(button)) event.preventDefault();
    const back = event.target.closest('[data-back]');
    if (back) {
      event.preventDefault();
      history.back();
    }
  });

  // The vote form's reason belongs to the form even though it sits in it: copy on submit. A
  // form is sent once: a second key press while the first vote is on its way does nothing.
  document.addEventListener('submit', function (event) {
    const form = event.target;
    if (form.dataset.sent === 'yes') {
      event.preventDefault();
      return;
    }
    form.dataset.sent = 'yes';
    form.classList.add('sending');
  });
})();
