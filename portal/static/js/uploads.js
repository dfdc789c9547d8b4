// Progress bars for the file fields of a portal form (progressive enhancement).
// Without this script the files travel with the form's multipart post. With it, each file
// is sent alone as soon as it is chosen (XMLHttpRequest, so the upload progress is visible);
// the server answers the reference the form keeps in the field's hidden "!f" input, or a
// Spanish message that is shown next to the field.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var forms = document.querySelectorAll("form[data-upload-url]");
  if (!meta || !window.XMLHttpRequest) { return; }

  function sizeText(bytes) {
    if (bytes >= 1048576) { return (bytes / 1048576).toFixed(1).replace(".", ",") + " MB"; }
    if (bytes >= 1024) { return Math.round(bytes / 1024) + " KB"; }
    return bytes + " bytes";
  }

  function part(input, cls, tag) {
    var id = input.id + "--" + cls;
    var found = document.getElementById(id);
    if (!found) {
      found = document.createElement(tag);
      found.id = id;
      found.className = cls;
      input.parentNode.appendChild(found);
    }
    return found;
  }

  function keptInput(form, input) {
    var name = input.name.replace(/^([^$]*)\$/, "$1!f");
    var kept = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (!kept) {
      kept = document.createElement("input");
      kept.type = "hidden";
      kept.name = name;
      input.parentNode.insertBefore(kept, input);
    }
    return kept;
  }

  function describe(input, text, isError) {
    var status = part(input, "subida-estado", "p");
    status.setAttribute("role", isError ? "alert" : "status");
    status.className = isError ? "subida-estado error" : "subida-estado";
    status.textContent = text;
    var described = (input.getAttribute("aria-describedby") || "").split(" ");
    if (described.indexOf(status.id) < 0) {
      described.push(status.id);
      input.setAttribute("aria-describedby", described.join(" ").trim());
    }
    if (isError) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
  }

  // While a file is still travelling the form must not be sent: it would go without the
  // file's reference (or carry the whole file again). The submit buttons wait, a message says
  // why, and the hidden "subidas_pendientes" tells the server, should a submit get through.
  var WAIT = "Espere a que termine la carga del archivo";

  function pendingInput(form) {
    var found = form.querySelector('input[type="hidden"][name="subidas_pendientes"]');
    if (!found) {
      found = document.createElement("input");
      found.type = "hidden";
      found.name = "subidas_pendientes";
      found.value = "0";
      form.appendChild(found);
    }
    return found;
  }

  function waitNotice(form) {
    var notice = form.querySelector(".subida-espera");
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "subida-espera";
      notice.setAttribute("role", "status");
      var actions = form.querySelector(".acciones") || form;
      actions.parentNode.insertBefore(notice, actions);
    }
    return notice;
  }

  function uploading(form, step) {
    var counter = pendingInput(form);
    var pending = Math.max(0, parseInt(counter.value, 10) + step);
    counter.value = String(pending);
    form.querySelectorAll('button[type="submit"], input[type="submit"]').forEach(function (button) {
      button.disabled = pending > 0;
    });
    waitNotice(form).textContent = pending > 0 ? WAIT + "…" : "";
  }

  function send(form, input) {
    var file = input.files && input.files[0];
    if (!file) { return; }
    uploading(form, 1);
    var bar = part(input, "subida-progreso", "progress");
    bar.max = 100;
    bar.value = 0;
    bar.hidden = false;
    bar.setAttribute("aria-label", "Progreso de la subida de " + file.name);
    describe(input, "Subiendo " + file.name + "…", false);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-upload-url"));
    xhr.setRequestHeader("X-CSRF-Token", meta.getAttribute("content"));
    xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round(100 * event.loaded / event.total); }
    });
    xhr.addEventListener("loadend", function () { uploading(form, -1); });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      // An answer that showed or hid fields may have re-rendered the form (htmx) meanwhile:
      // the reference goes into the field on the page now, not the one replaced.
      var live = document.getElementById(input.id);
      if (live && live !== input && form.contains(live)) {
        input = live;
        bar = part(input, "subida-progreso", "progress");
      }
      if (xhr.status === 201 && answer.referencia) {
        bar.value = 100;
        keptInput(form, input).value = JSON.stringify(answer.referencia);
        input.value = "";
        describe(input, "Archivo cargado: " + answer.referencia.name + " (" + sizeText(answer.referencia.size) + ").", false);
      } else {
        bar.hidden = true;
        input.value = "";
        describe(input, answer.error || "No se pudo subir el archivo. Intente nuevamente.", true);
      }
    });
    xhr.addEventListener("error", function () {
      bar.hidden = true;
      describe(input, "La subida del archivo se interrumpió. Intente nuevamente.", true);
    });
    xhr.send(file);
  }

  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input instanceof HTMLInputElement && input.type === "file") { send(form, input); }
    });
    // Captured before htmx's own listener, so neither a click nor Enter sends it mid-upload.
    form.addEventListener("submit", function (event) {
      if (parseInt(pendingInput(form).value, 10) > 0) {
        event.preventDefault();
        event.stopImmediatePropagation();
        var notice = waitNotice(form);
        notice.setAttribute("role", "alert");
        notice.textContent = WAIT + ".";
      }
    }, true);
  });
}());
