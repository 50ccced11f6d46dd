/**
 * The clients this gateway knows and their state: the domain core between the WebSocket protocol and the store.
 * No Netty types cross this package's boundary.
 */
@NullMarked
package io.serpentis.gateway.registry;

import org.jspecify.annotations.NullMarked;
