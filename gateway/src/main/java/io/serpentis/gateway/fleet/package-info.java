/**
 * The fleet: many gateway nodes on one Redis deployment acting as one gateway, with Redis as the arbiter (Lua
 * scripts on one key or one hash slot, Redis's clock) and no consensus or gossip of their own. A node joins with a
 * new life (incarnation) each time it starts; every client has one owner, whose writes Redis fences by the client's
 * epoch; a node's inbox carries what other nodes ask of it ({@link io.serpentis.gateway.fleet.FleetInbox}), over
 * the fleet's pub/sub channels ({@link io.serpentis.gateway.fleet.FleetBus}). This package may use the store, the
 * registry, the configuration, the metrics and logging; the root package wires it, and the HTTP routes read its
 * member table ({@link io.serpentis.gateway.fleet.FleetMembers}).
 */
@NullMarked
package io.serpentis.gateway.fleet;

import org.jspecify.annotations.NullMarked;
