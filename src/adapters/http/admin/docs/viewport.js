// Swagger UI's page has no viewport tag: without one a phone lays it out 980 px wide and zooms out.
(() => {
  const meta = document.createElement("meta");
  meta.name = "viewport";
  meta.content = "width=device-width, initial-scale=1";
  document.head.appendChild(meta);
})();
