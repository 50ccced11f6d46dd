package io.serpentis.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.serpentis.gateway.config.ConnectionLimitsConfig;
import io.serpentis.gateway.security.MessageRatePolicy.Verdict;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-connection message rate as a plain object, on a clock the test moves. */
class MessageRatePolicyTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private static MessageRatePolicy policy(Duration closeAfter) {
        return MessageRatePolicy.of(ConnectionLimitsConfig.defaults().toBuilder()
                .messageRate(2)
                .messageBurst(3)
                .rateLimitCloseAfter(closeAfter)
                .build());
    }

    @Test
    void noRateMeansNoPolicy() {
        assertThat(MessageRatePolicy.of(ConnectionLimitsConfig.defaults().toBuilder()
                        .messageRate(0)
                        .build()))
                .isNull();
    }

    @Test
    void aBurstIsAcceptedThenTheRateApplies() {
        MessageRatePolicy p = policy(Duration.ofSeconds(10));
        assertThat(p.onMessage(0)).isEqualTo(Verdict.ACCEPT);
        assertThat(p.onMessage(0)).isEqualTo(Verdict.ACCEPT);
        assertThat(p.onMessage(0)).isEqualTo(Verdict.ACCEPT);
        assertThat(p.onMessage(0)).isEqualTo(Verdict.REFUSE);
        assertThat(p.onMessage(500 * MS)).isEqualTo(Verdict.ACCEPT); // one token back at 2 a second
        assertThat(p.onMessage(500 * MS)).isEqualTo(Verdict.REFUSE);
    }

    @Test
    void refusalsWithoutAPauseOfASecondCloseOnceTheyLastTheCloseAfterTime() {
        MessageRatePolicy p = policy(Duration.ofSeconds(3));
        Verdict last = Verdict.ACCEPT;
        long t = 0;
        for (; t <= 4000 * MS && last != Verdict.REFUSE_AND_CLOSE; t += 100 * MS) {
            for (int i = 0; i < 5; i++) {
                last = p.onMessage(t); // 50 a second against 2: accepted ones do not end the streak
            }
        }
        assertThat(last).isEqualTo(Verdict.REFUSE_AND_CLOSE);
        assertThat(t - 100 * MS).isBetween(3000 * MS, 3100 * MS);
    }

    @Test
    void aPauseOfASecondEndsAStreak() {
        MessageRatePolicy p = policy(Duration.ofSeconds(3));
        for (long t = 0; t < 8000 * MS; t += 1000 * MS) {
            for (int i = 0; i < 6; i++) {
                assertThat(p.onMessage(t)).isNotEqualTo(Verdict.REFUSE_AND_CLOSE);
            }
        }
    }

    @Test
    void zeroCloseAfterOnlyRefuses() {
        MessageRatePolicy p = policy(Duration.ZERO);
        for (long t = 0; t < 60_000 * MS; t += 100 * MS) {
            for (int i = 0; i < 5; i++) {
                assertThat(p.onMessage(t)).isNotEqualTo(Verdict.REFUSE_AND_CLOSE);
            }
        }
    }
}
