// The API documentation page: Swagger UI on the platform's own OpenAPI document (no CDN, no inline script).
(function () {
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: el.getAttribute("data-spec-url"),
    domNode: el,
    deepLinking: true,
    persistAuthorization: false,
    validatorUrl: null,
  });
})();
