/* Dataset upload with a progress bar: the form is sent by XHR (whose upload.onprogress the
   browser reports), the server answers JSON, and its errors appear next to the form. Without
   JavaScript the form posts normally and the server renders the same errors. */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData) { return; }
  var box = document.getElementById("upload-progress-box");
  var bar = document.getElementById("upload-progress");
  var text = document.getElementById("upload-progress-text");
  var errors = document.getElementById("upload-errors");
  var button = form.querySelector("button[type=submit]");

  function showErrors(list) {
    errors.textContent = "";
    list.forEach(function (message) {
      var p = document.createElement("p");
      p.textContent = message;  /* text, never HTML: messages may quote the file's contents */
      errors.appendChild(p);
    });
    errors.hidden = list.length === 0;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    showErrors([]);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      bar.textContent = percent + "%";
      text.textContent = percent < 100 ? "Uploading: " + percent + "%" : "Uploaded; checking the file…";
    };
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = null; }
      if (xhr.status < 300 && answer && answer.redirect) {
        window.location.assign(answer.redirect);
        return;
      }
      button.disabled = false;
      box.hidden = true;
      var messages = [];
      if (answer && answer.errors) {
        Object.keys(answer.errors).forEach(function (key) {
          messages = messages.concat(answer.errors[key]);
        });
      } else {
        messages.push("The upload failed (HTTP " + xhr.status + "). Try again.");
      }
      showErrors(messages);
      errors.focus();
    };
    xhr.onerror = function () {
      button.disabled = false;
      box.hidden = true;
      showErrors(["The connection was lost during the upload. Check the network and try again."]);
    };
    button.disabled = true;
    box.hidden = false;
    bar.value = 0;
    text.textContent = "Uploading…";
    xhr.send(new FormData(form));
  });
  errors.setAttribute("tabindex", "-1");
})();
