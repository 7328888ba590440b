// A care-log entry's camera picture: when the archive has none near its time, show nothing rather than a broken image.
document.addEventListener("error", function (event) {
  var target = event.target;
  if (target && target.classList && target.classList.contains("care-snapshot")) {
    target.remove();
  }
}, true);
