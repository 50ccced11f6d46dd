package io.serpentis.gateway.config;

import java.time.Duration;

/**
 * The live dashboard feed on {@code /ws/dashboard}: how often it publishes and how it treats viewers that cannot
 * keep up; and how often the gateway samples the fleet for the dashboard's charts.
 *
 * @param path the feed's WebSocket endpoint; default {@code /ws/dashboard}
 * @param interval the feed publishes one delta of the clients that changed at most this often; default 250 ms
 *     ({@code --feed-interval}, {@code GATEWAY_FEED_INTERVAL})
 * @param maxViewers most dashboard viewers connected at once; a viewer beyond it is closed with 1013; default 100
 *     ({@code --feed-max-viewers}, {@code GATEWAY_FEED_MAX_VIEWERS})
 * @param slowViewerTimeout a viewer whose connection stays unwritable (it does not read what it is sent) this long
 *     is closed with 4003; while unwritable it is skipped and catches up (or gets a snapshot) once it drains;
 *     default 10 s ({@code --feed-slow-viewer-timeout}, {@code GATEWAY_FEED_SLOW_VIEWER_TIMEOUT})
 * @param historyBytes bytes of recent encoded deltas the feed keeps so that a viewer that was skipped can catch up
 *     without a full snapshot; a viewer further behind gets a snapshot; {@code 0} disables the history (every
 *     skipped viewer gets a snapshot); default 8 MiB ({@code --feed-history-bytes},
 *     {@code GATEWAY_FEED_HISTORY_BYTES})
 * @param historyInterval the gateway takes one sample of the fleet (connected and disconnected clients, updates
 *     per second) this often and keeps an hour of them for the dashboard's charts ({@code GET
 *     /api/v1/fleet/history}); whole seconds from 1 s to 5 min; default 10 s ({@code --history-interval},
 *     {@code GATEWAY_HISTORY_INTERVAL})
 */
public record FeedConfig(
        String path,
        Duration interval,
        int maxViewers,
        Duration slowViewerTimeout,
        long historyBytes,
        Duration historyInterval) {

    /** How much history the gateway keeps: an hour of samples. */
    public static final Duration HISTORY_KEPT = Duration.ofHours(1);

    public FeedConfig {
        Checks.notNull(path, "feed-path");
        if (!path.startsWith("/") || path.length() < 2) {
            throw new IllegalArgumentException("feed-path must start with / and name a path, was " + path);
        }
        Checks.positive(interval, "feed-interval");
        if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("feed-interval must be between 10ms and 1m, was " + interval);
        }
        Checks.range(maxViewers, 1, 10_000, "feed-max-viewers");
        Checks.positive(slowViewerTimeout, "feed-slow-viewer-timeout");
        if (historyBytes < 0 || historyBytes > 1L << 30) {
            throw new IllegalArgumentException("feed-history-bytes must be between 0 and 1 GiB, was " + historyBytes);
        }
        Checks.notNull(historyInterval, "history-interval");
        if (historyInterval.toMillis() % 1000 != 0
                || historyInterval.compareTo(Duration.ofSeconds(1)) < 0
                || historyInterval.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("history-interval must be whole seconds between 1s and 5m, was "
                    + DurationConverter.format(historyInterval));
        }
    }

    /** How many samples an hour of history holds at {@link #historyInterval}: 360 at 10 s. */
    public int historySamples() {
        return (int) (HISTORY_KEPT.toSeconds() / historyInterval.toSeconds());
    }

    /**
     * The defaults: {@code /ws/dashboard}, every 250 ms, 100 viewers, 10 s slow-viewer timeout, 8 MiB history, a
     * sample of the fleet every 10 s.
     */
    public static FeedConfig defaults() {
        return new FeedConfig(
                "/ws/dashboard", Duration.ofMillis(250), 100, Duration.ofSeconds(10), 8L << 20, Duration.ofSeconds(10));
    }

    public FeedConfig withInterval(Duration newInterval) {
        return new FeedConfig(path, newInterval, maxViewers, slowViewerTimeout, historyBytes, historyInterval);
    }

    public FeedConfig withMaxViewers(int viewers) {
        return new FeedConfig(path, interval, viewers, slowViewerTimeout, historyBytes, historyInterval);
    }

    public FeedConfig withSlowViewerTimeout(Duration timeout) {
        return new FeedConfig(path, interval, maxViewers, timeout, historyBytes, historyInterval);
    }

    public FeedConfig withHistoryBytes(long bytes) {
        return new FeedConfig(path, interval, maxViewers, slowViewerTimeout, bytes, historyInterval);
    }

    public FeedConfig withHistoryInterval(Duration sampleEvery) {
        return new FeedConfig(path, interval, maxViewers, slowViewerTimeout, historyBytes, sampleEvery);
    }
}
