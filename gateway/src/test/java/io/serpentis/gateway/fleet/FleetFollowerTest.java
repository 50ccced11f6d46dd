package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FleetFollowerTest {

    @Test
    void aLaterLifeIsTheOneStartedLaterWhateverItsRandomPart() {
        assertThat(FleetFollower.newerLife("1796000000001-000000", "1796000000000-ffffff"))
                .isTrue();
        assertThat(FleetFollower.newerLife("1796000000000-ffffff", "1796000000001-000000"))
                .isFalse();
        assertThat(FleetFollower.newerLife("1796000000000-aaaaaa", "1796000000000-aaaaaa"))
                .isFalse();
        // Two lives started in one millisecond: an order, the same on every node.
        assertThat(FleetFollower.newerLife("1796000000000-bbbbbb", "1796000000000-aaaaaa"))
                .isTrue();
        assertThat(FleetFollower.newerLife("1796000000000-aaaaaa", "1796000000000-bbbbbb"))
                .isFalse();
        // A life whose id says nothing of its start sorts before any that does.
        assertThat(FleetFollower.newerLife("1796000000000-aaaaaa", "odd")).isTrue();
    }
}
