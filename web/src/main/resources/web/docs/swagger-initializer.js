// Replaces the webjar's initializer, which points at the public petstore: this one reads the gateway's own
// document and turns off the online validator, so the page makes no request beyond the gateway.
window.onload = () => {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
};
