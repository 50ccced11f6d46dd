/** Persistence of client records: the embedded in-memory store and (later) Redis. No Netty channel types here. */
@NullMarked
package io.serpentis.gateway.store;

import org.jspecify.annotations.NullMarked;
