/* The questionnaire preview: conditional questions appear and disappear as the focal point
   will see them; nothing is sent anywhere. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  if (!form) { return; }

  function valueOf(key) {
    var inputs = form.querySelectorAll("[name=\"" + key.replace(/"/g, "") + "\"]");
    if (!inputs.length) { return null; }
    if (inputs[0].type === "checkbox") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; })
        .map(function (i) { return i.value; });
    }
    if (inputs[0].type === "radio") {
      var checked = Array.prototype.filter.call(inputs, function (i) { return i.checked; })[0];
      return checked ? checked.value : null;
    }
    return inputs[0].value;
  }

  function applyConditions() {
    var blocks = form.querySelectorAll(".question[data-condition-key]");
    Array.prototype.forEach.call(blocks, function (block) {
      var source = valueOf(block.getAttribute("data-condition-key"));
      var accepted = block.getAttribute("data-condition-values").split(" ");
      var chosen = Array.isArray(source) ? source : [source];
      block.hidden = !chosen.some(function (v) { return accepted.indexOf(v) !== -1; });
    });
  }

  form.addEventListener("change", applyConditions);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  applyConditions();
}());
