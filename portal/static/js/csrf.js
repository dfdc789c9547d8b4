// Sends the page's CSRF token with htmx requests (header) and with plain POST forms that do
// not carry it yet (hidden field), so pages of other fronts work under the CSRF check.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta) { return; }
  var token = meta.getAttribute("content");
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = token;
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") { return; }
    if (form.querySelector('input[name="csrf_token"]')) { return; }
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrf_token";
    input.value = token;
    form.appendChild(input);
  }, true);
}());
