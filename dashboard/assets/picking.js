/* The farmer's picking queue: a photo chosen (or taken) on the phone goes straight to /picking-photo,
   not through a Dash callback (whose bodies are capped small); then the card is redrawn. */
(function () {
  "use strict";

  function send(button, file) {
    var box = button.closest(".picking-card");
    var kind = box && box.querySelector(".picking-kind input:checked");
    var status = box && box.querySelector(".picking-file-status");
    var url = "/picking-photo?request=" + encodeURIComponent(button.dataset.request) +
      "&kind=" + encodeURIComponent(kind ? kind.value : "box");
    if (status) status.textContent = button.dataset.sending || "";
    fetch(url, {method: "POST", body: file, credentials: "same-origin",
                headers: {"Content-Type": file.type || "application/octet-stream"}})
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        if (status) status.textContent = "";
        var redraw = box.querySelector(".picking-redraw");
        if (redraw) redraw.click();
      })
      .catch(function () {
        if (status) status.textContent = button.dataset.failed || "!";
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".picking-upload");
    if (!button) return;
    var input = document.createElement("input");
    input.type = "file";
    input.accept = "image/jpeg,image/png";
    input.addEventListener("change", function () {
      if (input.files && input.files.length) send(button, input.files[0]);
    });
    input.click();
  });
})();
