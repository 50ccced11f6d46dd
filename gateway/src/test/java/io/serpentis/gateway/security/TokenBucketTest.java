package io.serpentis.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void admitsABurstThenRefusesUntilTokensRefill() {
        TokenBucket b = new TokenBucket(10, 5);
        long t = 123_456_789L;
        for (int i = 0; i < 5; i++) {
            assertThat(b.tryAcquire(t)).as("burst token " + i).isTrue();
        }
        assertThat(b.tryAcquire(t)).isFalse();
        assertThat(b.tryAcquire(t + SECOND / 10 - 1))
                .as("just before one interval")
                .isFalse();
        assertThat(b.tryAcquire(t + SECOND / 10)).as("one token after 1/rate").isTrue();
        assertThat(b.tryAcquire(t + SECOND / 10)).isFalse();
    }

    @Test
    void sustainsExactlyTheRateOverTime() {
        TokenBucket b = new TokenBucket(100, 1);
        long t = -5 * SECOND; // any monotonic origin, negative included
        int admitted = 0;
        for (long now = t; now < t + 10 * SECOND; now += SECOND / 1000) { // offered at 1000/s for 10 s
            if (b.tryAcquire(now)) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(1000);
    }

    @Test
    void aQuietPeriodRefillsToTheBurstAndNoMore() {
        TokenBucket b = new TokenBucket(1, 3);
        long t = 0;
        for (int i = 0; i < 3; i++) {
            assertThat(b.tryAcquire(t)).isTrue();
        }
        long later = t + 3600 * SECOND;
        int admitted = 0;
        while (b.tryAcquire(later)) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(3);
    }

    @Test
    void refusesNonsenseParameters() {
        assertThatThrownBy(() -> new TokenBucket(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
