package io.serpentis.gateway.metrics;

import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Redis write-behind's meters: whether Redis is up, clients waiting to be written, burst sizes and durations,
 * failed bursts, resyncs, the write lag, and Lettuce's own per-command latencies ({@code lettuce.command.*}, through
 * {@link #commandLatencyRecorder()}). Registered only when Redis is configured. Thread-safe.
 */
public final class RedisMetrics {

    /** What the gauges read, held strongly (the store). */
    public interface Source {
        /** Whether Redis answers now. */
        boolean redisUp();

        /** Clients with changes not yet written. */
        int dirtyClients();
    }

    private final MeterRegistry registry;
    private final DistributionSummary batchSize;
    private final Timer flushDuration;
    private final Timer writeLag;
    private final Counter failedBursts;
    private final Counter resyncs;

    /**
     * @param registry where the meters go
     * @param source what the gauges read
     * @param maxBatch the configured batch size (the batch histogram's last bucket)
     */
    public RedisMetrics(MeterRegistry registry, Source source, int maxBatch) {
        this.registry = registry;
        Gauge.builder(GatewayMeters.REDIS_UP.meterName(), source, s -> s.redisUp() ? 1 : 0)
                .description(GatewayMeters.REDIS_UP.description())
                .strongReference(true)
                .register(registry);
        Gauge.builder(GatewayMeters.REDIS_DIRTY_CLIENTS.meterName(), source, Source::dirtyClients)
                .description(GatewayMeters.REDIS_DIRTY_CLIENTS.description())
                .baseUnit(GatewayMeters.REDIS_DIRTY_CLIENTS.baseUnit())
                .strongReference(true)
                .register(registry);
        batchSize = DistributionSummary.builder(GatewayMeters.REDIS_BATCH_SIZE.meterName())
                .description(GatewayMeters.REDIS_BATCH_SIZE.description())
                .baseUnit(GatewayMeters.REDIS_BATCH_SIZE.baseUnit())
                .serviceLevelObjectives(powersOfTwoUpTo(maxBatch))
                .register(registry);
        flushDuration = Timer.builder(GatewayMeters.REDIS_FLUSH_DURATION.meterName())
                .description(GatewayMeters.REDIS_FLUSH_DURATION.description())
                .serviceLevelObjectives(
                        Meters.millisBuckets(0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_000, 5_000))
                .register(registry);
        // 15 and 20 ms around the 25 ms lag target, so that its p99 reads without interpolating a wide bucket.
        writeLag = Timer.builder(GatewayMeters.REDIS_WRITE_LAG.meterName())
                .description(GatewayMeters.REDIS_WRITE_LAG.description())
                .serviceLevelObjectives(Meters.millisBuckets(
                        1, 2.5, 5, 10, 15, 20, 25, 50, 100, 250, 500, 1_000, 5_000, 10_000, 30_000, 60_000, 300_000))
                .register(registry);
        failedBursts = Meters.counter(GatewayMeters.REDIS_BURSTS_FAILED).register(registry);
        resyncs = Meters.counter(GatewayMeters.REDIS_RESYNCS).register(registry);
    }

    /**
     * Lettuce's per-command latency meters ({@code lettuce.command.completion} and
     * {@code lettuce.command.firstresponse}, tagged {@code command} and {@code remote}) as histograms, on this
     * registry; for {@code ClientResources.Builder#commandLatencyRecorder}. Local addresses are not tagged (they
     * change with every reconnect).
     */
    public CommandLatencyRecorder commandLatencyRecorder() {
        return new MicrometerCommandLatencyRecorder(
                registry,
                MicrometerOptions.builder()
                        .histogram(true)
                        .localDistinction(false)
                        .targetPercentiles(new double[0])
                        .minLatency(Duration.ofMillis(1))
                        .maxLatency(Duration.ofSeconds(5))
                        .build());
    }

    /** A burst of {@code clients} writes took {@code nanos}; {@code failed} when any write in it failed. */
    public void burst(int clients, long nanos, boolean failed) {
        batchSize.record(clients);
        flushDuration.record(nanos, TimeUnit.NANOSECONDS);
        if (failed) {
            failedBursts.increment();
        }
    }

    /** A client's changes reached Redis {@code nanos} after the first of them was made. */
    public void written(long lagNanos) {
        writeLag.record(lagNanos, TimeUnit.NANOSECONDS);
    }

    /** A full write-back started. */
    public void resync() {
        resyncs.increment();
    }

    private static double[] powersOfTwoUpTo(int max) {
        List<Double> b = new ArrayList<>();
        for (int v = 1; v < max; v *= 2) {
            b.add((double) v);
        }
        b.add((double) max);
        return b.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
