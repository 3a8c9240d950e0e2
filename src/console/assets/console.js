// The staff console's one script (/console/static/console.js; plain JavaScript, no build
// step). On the Scripts page a chosen .json file is read into the textarea and its name into
// the file name, so publishing stays the one form post (check, errors block, publish).
// Without JavaScript the upload field stays hidden and the textarea works as before.
'use strict';
(function () {
  var input = document.getElementById('script-file');
  if (!input || typeof FileReader === 'undefined') return;
  var box = input.closest('.upload');
  var status = document.getElementById('script-file-status');
  var text = document.getElementById(input.getAttribute('data-text'));
  var name = document.getElementById(input.getAttribute('data-name'));
  if (!box || !status || !text) return;
  var say = function (which, file) {
    status.textContent = (status.getAttribute(which) || '').split('{name}').join(file.name);
  };
  box.hidden = false;
  input.addEventListener('change', function () {
    var file = input.files && input.files[0];
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () {
      text.value = String(reader.result);
      if (name) name.value = file.name;
      say('data-read', file);
    };
    reader.onerror = function () { say('data-failed', file); };
    reader.readAsText(file);
  });
})();
