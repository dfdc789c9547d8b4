// Migue's widget with htmx: show a refusal (422 no question, 429 too many) in the conversation
// too, then empty the question field and keep the focus there for the next question.
(function () {
  "use strict";
  var REFUSALS = [422, 429];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "migue-conversacion" && REFUSALS.indexOf(event.detail.xhr.status) >= 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || form.id !== "migue-formulario") { return; }
    if (event.detail.successful) { form.reset(); }
    var field = form.querySelector("#migue-pregunta");
    if (field) { field.focus(); }
  });
}());
