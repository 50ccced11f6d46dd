package io.serpentis.gateway.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.testing.RedisServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fleet's read seam ({@link FleetMembers}), which the live view builds on: every member with its life and
 * address, from memory; a listener told when a node joins and when it goes, with its lost record (why, when).
 */
class FleetMembersIT {
    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @Test
    void aMemberTableFollowsNodesThatJoinAndLeave() throws Exception {
        GatewayServer a = redis.startGateway(c -> c.withServer(s -> s.withNodeId("members-a")));
        FleetMembers view = a.fleet().members();
        List<String> events = new CopyOnWriteArrayList<>();
        view.addListener(new FleetMembers.Listener() {
            @Override
            public void joined(FleetMembers.Member member) {
                events.add("joined " + member.nodeId());
            }

            @Override
            public void gone(FleetMembers.Member member, FleetMembers.@Nullable LostNode lost) {
                events.add("gone " + member.nodeId() + " " + (lost == null ? "?" : lost.why()));
            }
        });
        assertThat(view.self()).isNotNull();
        assertThat(view.self().nodeId()).isEqualTo("members-a");

        GatewayServer b = redis.startGateway(c -> c.withServer(s -> s.withNodeId("members-b")));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("joined members-b"));
        FleetMembers.Member seen = view.member("members-b");
        assertThat(seen).isNotNull();
        assertThat(seen.incarnation()).isEqualTo(b.fleet().members().self().incarnation());
        assertThat(seen.address()).isEqualTo(b.httpUri().toString());
        assertThat(seen.state()).isEqualTo(FleetMembers.State.LIVE);

        b.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("gone members-b left"));
        assertThat(view.members()).extracting(FleetMembers.Member::nodeId).containsExactly("members-a");
        assertThat(view.lost()).first().satisfies(l -> {
            assertThat(l.nodeId()).isEqualTo("members-b");
            assertThat(l.why()).isEqualTo("left");
        });
    }
}
