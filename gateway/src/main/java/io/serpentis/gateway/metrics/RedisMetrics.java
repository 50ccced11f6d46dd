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
                        Meters.micros(250),
                        Meters.micros(500),
                        Meters.millis(1),
                        Meters.millis(2.5),
                        Meters.millis(5),
                        Meters.millis(10),
                        Meters.millis(25),
                        Meters.millis(50),
                        Meters.millis(100),
                        Meters.millis(250),
                        Meters.millis(500),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(5))
                .register(registry);
        writeLag = Timer.builder(GatewayMeters.REDIS_WRITE_LAG.meterName())
                .description(GatewayMeters.REDIS_WRITE_LAG.description())
                .serviceLevelObjectives(
                        Meters.millis(1),
                        Meters.millis(2.5),
                        Meters.millis(5),
                        Meters.millis(10),
                        Meters.millis(25),
                        Meters.millis(50),
                        Meters.millis(100),
                        Meters.millis(250),
                        Meters.millis(500),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(30),
                        Duration.ofMinutes(1),
                        Duration.ofMinutes(5))
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
