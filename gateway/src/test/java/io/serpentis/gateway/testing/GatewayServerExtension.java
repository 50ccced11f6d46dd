package io.serpentis.gateway.testing;

import io.serpentis.gateway.GatewayServer;
import io.serpentis.gateway.config.GatewayConfig;
import io.serpentis.gateway.registry.ClientRegistry;
import io.serpentis.gateway.ws.WsFrameHandler;
import java.net.URI;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real {@link GatewayServer} on a free loopback port before a test class and closes it after. Register
 * it as a {@code static} field with {@code @RegisterExtension}.
 */
public final class GatewayServerExtension implements BeforeAllCallback, AfterAllCallback {
    private final UnaryOperator<GatewayConfig> customizer;
    private final WsFrameHandler.Mode mode;
    private GatewayServer server;

    public GatewayServerExtension() {
        this(c -> c);
    }

    public GatewayServerExtension(UnaryOperator<GatewayConfig> customizer) {
        this(customizer, WsFrameHandler.Mode.STATUS);
    }

    public GatewayServerExtension(UnaryOperator<GatewayConfig> customizer, WsFrameHandler.Mode mode) {
        this.customizer = customizer;
        this.mode = mode;
    }

    /** The defaults for tests: loopback, port 0. */
    public static GatewayConfig testDefaults() {
        return GatewayConfig.defaults().withServer(s -> s.withHost("127.0.0.1").withPort(0));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = new GatewayServer(customizer.apply(testDefaults()), mode).start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    public GatewayServer server() {
        return server;
    }

    public ClientRegistry registry() {
        return server.registry();
    }

    /** {@code http://127.0.0.1:port}. */
    public URI httpUri() {
        return server.httpUri();
    }

    /** {@code http://127.0.0.1:port<path>}. */
    public URI http(String path) {
        return URI.create(server.httpUri() + path);
    }

    /** {@code ws://127.0.0.1:port/ws}. */
    public URI wsUri() {
        return server.wsUri();
    }
}
