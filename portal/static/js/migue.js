// Migue's widget with htmx: show a refusal (422) in the conversation too, then empty the
// question field and keep the focus there for the next question.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "migue-conversacion" && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || form.id !== "migue-formulario") { return; }
    var field = form.querySelector("#migue-pregunta");
    if (event.detail.successful || event.detail.xhr.status === 422) { form.reset(); }
    if (field) { field.focus(); }
  });
}());
