package io.serpentis.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every JMH benchmark once, in-process and for a fraction of a second, so that none can rot unnoticed.
 * Measures nothing: real runs use {@code benchmarks/target/benchmarks.jar} (see BENCHMARKS.md).
 */
class BenchmarkSmokeTest {

    @Test
    void everyBenchmarkRuns() throws Exception {
        Options options = new OptionsBuilder()
                .include("io\\.serpentis\\.gateway\\..*Benchmark")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .param("clients", "100")
                .param("payload", "small")
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        assertThat(results)
                .extracting(r -> r.getParams().getBenchmark())
                .anyMatch(b -> b.endsWith("WsMessageCodecBenchmark.parse"))
                .anyMatch(b -> b.endsWith("ClientRegistryBenchmark.existingClient"))
                .anyMatch(b -> b.endsWith("WriteBurstBenchmark.buildBurst"))
                .anyMatch(b -> b.endsWith("PipelineRoundTripBenchmark.roundTrip"))
                .anyMatch(b -> b.endsWith("ClientQueryBenchmark.list"))
                .anyMatch(b -> b.endsWith("ClientQueryBenchmark.summary"));
        for (RunResult r : results) {
            assertThat(r.getPrimaryResult().getScore())
                    .as(r.getParams().getBenchmark())
                    .isPositive();
        }
    }
}
