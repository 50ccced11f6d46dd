/**
 * Persistence of client records: the embedded in-memory store, and the Redis write-behind ({@link RedisStatusStore},
 * split as Lettuce splits a client: writer thread, burst and reply correlation, scripts and argument layout, index
 * loader, reconnect policy) on a standalone Redis, Sentinel or Redis Cluster ({@link RedisDeployment}). No Netty
 * channel types here.
 */
@NullMarked
package io.serpentis.gateway.store;

import org.jspecify.annotations.NullMarked;
