/**
 * The live dashboard feed on {@code /ws/dashboard}: registry changes are coalesced per client, encoded once per
 * tick as a numbered delta and handed, as the same bytes, to every viewer; viewers that cannot keep up are skipped
 * and resynced, never buffered without bound. Viewers are WebSocket connections of the {@code ws} package's shape;
 * the feed reports through {@code FeedMetricsRecorder}.
 */
@NullMarked
package io.serpentis.gateway.feed;

import org.jspecify.annotations.NullMarked;
