package io.serpentis.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class LongRingTest {

    @Test
    void keepsFirstInFirstOutOrderAcrossWrapAroundAndGrowth() {
        LongRing ring = new LongRing(2);
        long next = 0;
        long expected = 0;
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i <= round; i++) {
                ring.add(next++);
            }
            for (int i = 0; i < round / 2 + 1; i++) {
                assertThat(ring.poll()).isEqualTo(expected++);
            }
        }
        assertThat(ring.size()).isEqualTo((int) (next - expected));
        while (!ring.isEmpty()) {
            assertThat(ring.poll()).isEqualTo(expected++);
        }
        assertThat(expected).isEqualTo(next);
    }

    @Test
    void pollingAnEmptyOrClearedRingFails() {
        LongRing ring = new LongRing(4);
        ring.add(1);
        ring.clear();
        assertThat(ring.isEmpty()).isTrue();
        assertThatThrownBy(ring::poll).isInstanceOf(NoSuchElementException.class);
    }
}
