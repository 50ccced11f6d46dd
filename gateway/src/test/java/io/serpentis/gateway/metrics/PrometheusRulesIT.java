package io.serpentis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.testing.ExternalTools;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The repository's alerting rules ({@code prometheus-rules.yml}, beside {@code prometheus.yml}) as Prometheus'
 * own tool sees them: {@code promtool check rules} accepts them, and {@code promtool test rules} runs their unit
 * tests ({@code prometheus-rules.test.yml}: for every alert, input series where it fires and where it does not,
 * with the labels and annotations it fires with). Any failure fails the build. Needs Debian's {@code prometheus}
 * package (skipped without it, a failure under {@code CI=true}). {@link PrometheusRulesTest} checks their shape and
 * the metric names they use; {@link PrometheusIT} has a real Prometheus evaluate them on a real gateway.
 */
class PrometheusRulesIT {

    @Test
    void theRulesPassPromtoolCheckRules() {
        String promtool = ExternalTools.require("promtool", "prometheus");
        ExternalTools.Result r = ExternalTools.run(
                ExternalTools.repoRoot(), null, List.of(promtool, "check", "rules", PrometheusRulesTest.RULES));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS").doesNotContain("FAILED", "WARNING");
    }

    @Test
    void theRulesPassTheirUnitTests() {
        String promtool = ExternalTools.require("promtool", "prometheus");
        ExternalTools.Result r = ExternalTools.run(
                ExternalTools.repoRoot(), null, List.of(promtool, "test", "rules", PrometheusRulesTest.RULE_TESTS));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS").doesNotContain("FAILED");
    }
}
