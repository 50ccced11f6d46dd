/**
 * Simulated clients for demos, compose and screenshots ({@code java -jar serpentis-gateway.jar simulate}): each
 * behaves like the original's reference client over the JDK's own WebSocket client, and reconnects with backoff
 * when the connection is lost.
 */
@NullMarked
package io.serpentis.gateway.simulate;

import org.jspecify.annotations.NullMarked;
