/** Meters: names in {@link io.serpentis.gateway.metrics.GatewayMeters}, registration in one binder. */
@NullMarked
package io.serpentis.gateway.metrics;

import org.jspecify.annotations.NullMarked;
