/* Jobs: ask before a form marked data-confirm (cancelling a job) is sent. Without scripts
   the server answers such a form with a page that asks instead. */
"use strict";

document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    const yes = document.createElement("input");
    yes.type = "hidden";
    yes.name = "confirm";
    yes.value = "yes";
    form.append(yes);
  });
});
