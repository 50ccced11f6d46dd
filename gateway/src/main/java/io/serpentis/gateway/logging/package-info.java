/**
 * Logging conventions: the start-up choice of readable or JSON lines ({@link io.serpentis.gateway.logging.LogFormat}),
 * the ids every line about a connection carries ({@link io.serpentis.gateway.logging.ConnectionLog}), and
 * rate-limited warnings ({@link io.serpentis.gateway.logging.RateLimitedLog}). SLF4J is the API; logback the backend.
 */
@NullMarked
package io.serpentis.gateway.logging;

import org.jspecify.annotations.NullMarked;
