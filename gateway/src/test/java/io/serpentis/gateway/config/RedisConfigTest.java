package io.serpentis.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serpentis.gateway.GatewayCommandAccess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Redis deployment settings: the URL forms of standalone, Sentinel and Cluster, and their redaction. */
class RedisConfigTest {

    private static RedisConfig url(String url) {
        return RedisConfig.builder().url(url).build();
    }

    private static RedisConfig cluster(String url) {
        return RedisConfig.builder().url(url).cluster(true).build();
    }

    @Test
    void acceptsEveryDeploymentInLettucesSyntax() {
        assertThat(url("redis://127.0.0.1:6379/2").sentinel()).isFalse();
        assertThat(url("rediss://user:pw@cache.example.com").enabled()).isTrue();
        assertThat(url("redis-socket:///run/redis.sock").enabled()).isTrue();
        assertThat(url("redis-sentinel://10.0.0.1:26379,10.0.0.2:26379,10.0.0.3#mymaster")
                        .sentinel())
                .isTrue();
        assertThat(url("rediss-sentinel://secret@s1:26379/1#mymaster").sentinel())
                .isTrue();
        assertThat(url("redis-sentinel://s1:26379?sentinelMasterId=mymaster").sentinel())
                .isTrue();
        RedisConfig c = cluster("redis://10.0.0.1:7000,10.0.0.2:7000,[::1]:7001");
        assertThat(c.cluster()).isTrue();
        assertThat(c.sentinel()).isFalse();
        assertThat(cluster("redis://:pw@h1:7000/0").cluster()).isTrue();
        assertThat(RedisConfig.defaults().withCluster("redis://h:7000")).isEqualTo(cluster("redis://h:7000"));
    }

    @Test
    void readsTheClusterFlagAndItsVariable() {
        GatewayConfig flag = GatewayCommandAccess.parse("--redis-url", "redis://h1:7000,h2:7000", "--redis-cluster");
        assertThat(flag.redis().cluster()).isTrue();
        assertThat(flag.redis().url()).isEqualTo("redis://h1:7000,h2:7000");
        GatewayConfig env = GatewayCommandAccess.parse(
                Map.of("HOSTNAME", "box", "REDIS_URL", "redis://h1:7000", "GATEWAY_REDIS_CLUSTER", "true"));
        assertThat(env.redis().cluster()).isTrue();
        assertThat(GatewayCommandAccess.parse("--redis-url", "redis://h")
                        .redis()
                        .cluster())
                .isFalse();
    }

    @Test
    void refusesUrlsThatNameTheWrongDeploymentWithAMessageNamingTheSetting() {
        assertThatThrownBy(() -> url("http://h:6379")).hasMessageContaining("redis-url must start with");
        assertThatThrownBy(() -> url("redis-sentinel://s1:26379,s2:26379"))
                .hasMessageContaining("redis-url")
                .hasMessageContaining("names its master after '#'");
        assertThatThrownBy(() -> url("redis://h1:7000,h2:7000"))
                .hasMessageContaining("redis-url names 2 hosts")
                .hasMessageContaining("--redis-cluster");
        assertThatThrownBy(() -> cluster("redis://h1:7000,redis://h2:7000"))
                .hasMessageContaining("write the scheme once");
        assertThatThrownBy(() -> cluster("redis-sentinel://s1:26379#m"))
                .hasMessageContaining("redis-cluster needs redis:// or rediss:// seed nodes");
        assertThatThrownBy(() -> cluster("redis://h1:7000/3")).hasMessageContaining("only database 0");
        assertThatThrownBy(() -> cluster("redis://h1:70000")).hasMessageContaining("not host[:port]");
        assertThatThrownBy(() -> cluster("redis://h1:7000,")).hasMessageContaining("not host[:port]");
        assertThatThrownBy(() -> RedisConfig.builder().cluster(true).build())
                .hasMessageContaining("redis-cluster needs --redis-url");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--redis-cluster"))
                .hasMessageContaining("redis-cluster needs --redis-url");
    }

    @Test
    void neverShowsAPasswordInAnyForm() {
        String[] urls = {
            "redis://user:s3cret@h:6379",
            "redis://:s3cret@h:6379",
            "redis://s3cret@h:6379",
            "redis-sentinel://s3cret@s1:26379,s2:26379#mymaster",
            "rediss-sentinel://u:s3cret@s1#m",
            "redis://s3cret@h1:7000,h2:7000",
            "redis://u:s3c/ret@h:6379",
            "redis://u:s3c#ret@h:6379"
        };
        for (String u : urls) {
            assertThat(RedisConfig.redact(u)).as(u).doesNotContain("s3c").contains("<redacted>@");
            RedisConfig c = RedisConfig.builder()
                    .url(u)
                    .cluster(u.startsWith("redis://s3cret@h1"))
                    .build();
            assertThat(c.toString()).as(u).doesNotContain("s3c");
        }
        assertThat(RedisConfig.redact("redis://user:s3cret@h:6379")).isEqualTo("redis://user:<redacted>@h:6379");
        assertThat(RedisConfig.redact("redis://s3cret@h:6379")).isEqualTo("redis://<redacted>@h:6379");
        assertThat(RedisConfig.redact("redis://h:6379")).isEqualTo("redis://h:6379");
        // Error messages redact too.
        assertThatThrownBy(() -> url("redis://s3cret@h1:7000,h2:7000"))
                .message()
                .doesNotContain("s3c");
        assertThatThrownBy(() -> url("redis-sentinel://s3cret@s1:26379"))
                .message()
                .doesNotContain("s3c");
        assertThatThrownBy(() -> url("tcp://u:s3cret@h")).message().doesNotContain("s3c");
    }

    @Test
    void durableAcksNeedRedisAndReplicasNeedDurableAcksOutsideACluster() {
        assertThat(RedisConfig.defaults().ackMode()).isEqualTo(RedisConfig.AckMode.IMMEDIATE);
        assertThat(RedisConfig.AckMode.parse("Durable")).isEqualTo(RedisConfig.AckMode.DURABLE);
        assertThat(RedisConfig.AckMode.DURABLE).hasToString("durable");
        assertThatThrownBy(() -> RedisConfig.AckMode.parse("fast")).hasMessageContaining("immediate or durable");
        assertThatThrownBy(() -> RedisConfig.builder()
                        .ackMode(RedisConfig.AckMode.DURABLE)
                        .build())
                .hasMessageContaining("needs --redis-url");
        assertThatThrownBy(() -> RedisConfig.builder()
                        .url("redis://h:6379")
                        .ackReplicas(1)
                        .build())
                .hasMessageContaining("needs --redis-ack-mode durable");
        assertThatThrownBy(() -> RedisConfig.builder()
                        .url("redis://h:7000")
                        .cluster(true)
                        .ackMode(RedisConfig.AckMode.DURABLE)
                        .ackReplicas(1)
                        .build())
                .hasMessageContaining("not supported on Redis Cluster");
        RedisConfig durable = RedisConfig.builder()
                .url("redis-sentinel://s1:26379#m")
                .ackMode(RedisConfig.AckMode.DURABLE)
                .ackReplicas(1)
                .build();
        assertThat(durable.ackReplicas()).isEqualTo(1);
        assertThat(durable.toBuilder().build()).isEqualTo(durable);
    }
}
