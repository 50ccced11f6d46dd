/**
 * Collegium Serpentis gateway: {@link io.serpentis.gateway.GatewayServer} wires the parts together;
 * {@link io.serpentis.gateway.GatewayMain} is the command line.
 */
@NullMarked
package io.serpentis.gateway;

import org.jspecify.annotations.NullMarked;
