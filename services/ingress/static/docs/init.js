// Starts Swagger UI on the ingress's OpenAPI document, named by the page (data-openapi-url, relative to
// the page, so a path prefix added by a proxy is kept). No validator badge: nothing leaves this origin.
/* global window, document, URL, SwaggerUIBundle */
'use strict';
window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: new URL(root.getAttribute('data-openapi-url'), document.baseURI).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
