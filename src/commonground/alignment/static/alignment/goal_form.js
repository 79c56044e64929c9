// The goal form shows only the settings the chosen metric takes.
(function () {
  "use strict";
  const form = document.querySelector("[data-goal-form]");
  if (!form) return;
  const metric = form.querySelector("select[name=metric]");
  const fields = Array.from(form.querySelectorAll("[data-param-field]"));
  function update() {
    const chosen = metric.value;
    let any = false;
    for (const wrapper of fields) {
      const input = wrapper.querySelector("[data-metrics]");
      const used = input && input.dataset.metrics.split(" ").includes(chosen);
      wrapper.hidden = !used;
      any = any || used;
    }
    const fieldset = form.querySelector(".cg-params-fields");
    if (fieldset) fieldset.hidden = !any;
  }
  metric.addEventListener("change", update);
  update();
})();
