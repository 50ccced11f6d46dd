/**
 * Meters: every name in {@link io.serpentis.gateway.metrics.GatewayMeters}; one Micrometer {@code MeterBinder} per
 * subject ({@code WsMetrics}, {@code FeedMetrics}, {@code SecurityMetrics}, {@code ConnectionMetrics},
 * {@code ClientMetrics}, and {@code RedisMetrics} with Redis), held together by {@code GatewayMetrics}; the
 * registry's filters and Micrometer's own JVM and Netty binders. The WebSocket and feed packages report through
 * recorder interfaces of their own, which the binders implement, so this package depends on them and not the
 * other way round; it maps their enums to tags.
 */
@NullMarked
package io.serpentis.gateway.metrics;

import org.jspecify.annotations.NullMarked;
