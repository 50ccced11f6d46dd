// Renders the gateway's own OpenAPI document; no fonts or other resources are loaded from elsewhere.
Redoc.init('/openapi.json', { disableSearch: false, hideDownloadButton: false }, document.getElementById('redoc'));
