/**
 * The WebSocket side: the original's status protocol on {@code /ws}, its JSON codec, close codes and the
 * liveness checks.
 */
@NullMarked
package io.serpentis.gateway.ws;

import org.jspecify.annotations.NullMarked;
