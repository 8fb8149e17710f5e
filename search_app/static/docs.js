/* Initialises Swagger UI from the locally served bundle (no CDN, no inline script). */
window.addEventListener("DOMContentLoaded", function () {
  if (typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
