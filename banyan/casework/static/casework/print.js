// The minutes page's Print button: shown only when this script runs (the page prints
// fine from the browser's menu without it).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
