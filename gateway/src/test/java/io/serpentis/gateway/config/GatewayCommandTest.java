package io.serpentis.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serpentis.gateway.GatewayCommandAccess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayCommandTest {

    @Test
    void defaultsMatchTheDocumentedOnes() {
        GatewayConfig c = GatewayCommandAccess.parse();
        // Environment variables of the test JVM could change these; CI sets none of them.
        assertThat(c.server().port()).isEqualTo(8000);
        assertThat(c.ws()).isEqualTo(WsConfig.defaults());
        assertThat(c.limits()).isEqualTo(LimitsConfig.defaults());
        assertThat(c.registry()).isEqualTo(RegistryConfig.defaults());
        assertThat(c.http()).isEqualTo(HttpConfig.defaults());
        assertThat(c.feed()).isEqualTo(FeedConfig.defaults());
    }

    @Test
    void readsTheFeedSettings() {
        GatewayConfig c = GatewayCommandAccess.parse("--feed-interval", "100ms", "--feed-max-viewers", "7",
                "--feed-slow-viewer-timeout", "3s", "--feed-history-bytes", "0");
        assertThat(c.feed()).isEqualTo(new FeedConfig("/ws/dashboard", Duration.ofMillis(100), 7,
                Duration.ofSeconds(3), 0));
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--feed-interval", "1ms"))
                .hasMessageContaining("feed-interval");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--feed-max-viewers", "0"))
                .hasMessageContaining("feed-max-viewers");
    }

    @Test
    void securityDefaults() {
        assertThat(GatewayCommandAccess.parse().security()).isEqualTo(SecurityConfig.defaults());
        assertThat(SecurityConfig.defaults().allowedHosts()).as("only the built-in host names").isEmpty();
    }

    @Test
    void readsTheAllowedHosts() {
        assertThat(GatewayCommandAccess.parse("--allowed-hosts", "gateway, Ops.Example.com.").security().allowedHosts())
                .containsExactly("gateway", "ops.example.com");
        assertThat(GatewayCommandAccess.parse("--allowed-hosts", "*").security().allowedHosts()).containsExactly("*");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--allowed-hosts", "gateway:8000"))
                .hasMessageContaining("allowed-hosts").hasMessageContaining("gateway:8000");
    }

    @Test
    void readsTheSecurityFlags() {
        GatewayConfig c = GatewayCommandAccess.parse("--client-auth", "jwt", "--jwt-secret",
                "0123456789abcdef0123456789abcdef", "--jwt-clock-skew", "5s", "--max-connections", "7",
                "--max-connections-per-address", "3", "--connection-rate-per-address", "2",
                "--connection-burst-per-address", "4", "--limit-loopback", "--message-rate", "20",
                "--message-burst", "40",
                "--rate-limit-close-after", "0", "--slow-consumer-timeout", "2s", "--request-timeout", "3s");
        ClientAuthConfig auth = c.security().clientAuth();
        assertThat(auth.mode()).isEqualTo(ClientAuthConfig.Mode.JWT);
        assertThat(auth.jwtClockSkew()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.security().connections()).isEqualTo(new ConnectionLimitsConfig(7, 3, 2, 4, true, 20, 40,
                Duration.ZERO, Duration.ofSeconds(2)));
        assertThat(c.http().requestTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.toString()).doesNotContain("0123456789abcdef0123456789abcdef");
        assertThat(GatewayCommandAccess.parse("--client-auth", "shared-secret", "--client-token",
                "a-shared-token-of-20c").security().clientAuth().mode()).isEqualTo(ClientAuthConfig.Mode.SHARED_SECRET);
    }

    @Test
    void refusesSecuritySettingsThatWouldLeaveClientsUnauthenticated() {
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--client-token", "a-shared-token-of-20c"))
                .hasMessageContaining("client-token is set but client-auth is none");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--client-auth", "jwt"))
                .hasMessageContaining("--jwt-secret");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--client-auth", "kerberos"))
                .hasMessageContaining("none, shared-secret or jwt");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--max-connections", "0"))
                .hasMessageContaining("max-connections");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--slow-consumer-timeout", "0"))
                .hasMessageContaining("slow-consumer-timeout");
    }

    @Test
    void readsFlagsIntoTheRecords() {
        GatewayConfig c = GatewayCommandAccess.parse("--port", "9001", "--host", "0.0.0.0", "--ping-interval", "250ms",
                "--liveness-timeout", "2s", "--retention", "5m", "--max-value-bytes", "100", "--transport", "NIO");
        assertThat(c.server().port()).isEqualTo(9001);
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.server().transport()).isEqualTo(ServerConfig.Transport.NIO);
        assertThat(c.ws().pingInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.ws().livenessTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.registry().retention()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.limits().maxValueBytes()).isEqualTo(100);
    }

    @Test
    void badValuesNameTheSetting() {
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--port", "70000"))
                .hasMessageContaining("port").hasMessageContaining("70000");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--ping-interval", "30s", "--liveness-timeout", "10s"))
                .hasMessageContaining("liveness-timeout");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--max-value-bytes", "0"))
                .hasMessageContaining("max-value-bytes");
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--retention", "soon"))
                .hasMessageContaining("--retention").hasMessageContaining("soon");
    }

    @Test
    void readsTheOperationsSettings() {
        assertThat(GatewayCommandAccess.parse().metrics()).isEqualTo(MetricsConfig.defaults());
        assertThat(GatewayCommandAccess.parse("--metrics-port", "9100").metrics().port()).isEqualTo(9100);
        assertThatThrownBy(() -> GatewayCommandAccess.parse("--port", "9100", "--metrics-port", "9100"))
                .hasMessageContaining("metrics-port");
        StringWriter err = new StringWriter();
        assertThat(GatewayCommandAccess.run(new PrintWriter(err), "--log-format", "xml")).isEqualTo(2);
        assertThat(err.toString()).contains("--log-format").contains("text or json");
    }

    @Test
    void exitsWithAMessageOnAnInvalidCombination() {
        StringWriter err = new StringWriter();
        int code = GatewayCommandAccess.run(new PrintWriter(err), "--max-attributes-per-message", "300");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid configuration").contains("max-attributes-per-message");
    }

    @Test
    void helpListsEverySettingWithItsDefault() {
        String help = GatewayCommandAccess.usage();
        for (String option : new String[] {"--host", "--port", "--transport", "--io-threads", "--shutdown-timeout",
            "--max-frame-bytes", "--ping-interval", "--liveness-timeout", "--disconnect-grace", "--close-timeout",
            "--handshake-timeout", "--max-client-id-bytes", "--max-attributes-per-message",
            "--max-attributes-per-client", "--max-attribute-name-bytes", "--max-value-bytes",
            "--max-client-status-bytes", "--retention", "--purge-interval", "--http-max-initial-line-bytes",
            "--http-max-header-bytes", "--http-max-content-bytes", "--http-idle-timeout", "--feed-interval",
            "--feed-max-viewers", "--feed-slow-viewer-timeout", "--feed-history-bytes", "--metrics-port",
            "--log-format", "--request-timeout",
            "--client-auth", "--client-token", "--jwt-secret", "--jwt-clock-skew", "--max-connections",
            "--max-connections-per-address", "--connection-rate-per-address", "--connection-burst-per-address",
            "--limit-loopback", "--message-rate", "--message-burst", "--rate-limit-close-after",
            "--slow-consumer-timeout", "--admin-token", "--allowed-origins", "--allowed-hosts"}) {
            assertThat(help).contains(option);
        }
        assertThat(help).contains("Default: 8000").contains("Default: 10s").contains("Env: PORT")
                .contains("Env: GATEWAY_CLIENT_AUTH").contains("Env: GATEWAY_JWT_SECRET");
    }

    @Test
    void durationsParseInEveryDocumentedForm() {
        assertThat(DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationConverter.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DurationConverter.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationConverter.parse("PT10S")).isEqualTo(Duration.ofSeconds(10));
        assertThat(DurationConverter.parse("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(DurationConverter.format(Duration.ofSeconds(60))).isEqualTo("1m");
        assertThat(DurationConverter.format(Duration.ofMillis(250))).isEqualTo("250ms");
    }
}
