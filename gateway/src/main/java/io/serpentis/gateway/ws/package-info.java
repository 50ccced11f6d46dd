/**
 * The WebSocket side: the original's status protocol on {@code /ws}, its JSON codec, close codes and the
 * liveness checks, and what every WebSocket endpoint shares: the closing handshake with the connection's lifecycle
 * state ({@code WsCloseHandshake}) and the last stage ({@code WsEndpointHandler}). It reports through
 * {@code WsMetricsRecorder} and reads the store's state through a supplier, so it imports neither the metrics, the
 * store nor the pipeline packages.
 */
@NullMarked
package io.serpentis.gateway.ws;

import org.jspecify.annotations.NullMarked;
