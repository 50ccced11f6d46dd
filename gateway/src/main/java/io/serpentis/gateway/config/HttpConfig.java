package io.serpentis.gateway.config;

import java.time.Duration;

/**
 * Limits of the HTTP side of the pipeline (everything before a WebSocket upgrade).
 *
 * @param maxInitialLineBytes longest request line accepted; longer gets 414; default 4096
 * @param maxHeaderBytes largest header block accepted; larger gets 431; default 8192
 * @param maxContentBytes largest request body accepted; larger gets 413; default 65536
 * @param idleTimeout an HTTP connection with no traffic for this long is closed; default 60 s
 * @param requestTimeout a request (or WebSocket upgrade) must arrive complete, headers and body, within this time of
 *     its first byte; otherwise it is answered 408 and the connection closed (slowloris); default 10 s
 */
public record HttpConfig(
        int maxInitialLineBytes,
        int maxHeaderBytes,
        int maxContentBytes,
        Duration idleTimeout,
        Duration requestTimeout) {

    public HttpConfig {
        Checks.range(maxInitialLineBytes, 256, 65536, "http-max-initial-line-bytes");
        Checks.range(maxHeaderBytes, 1024, 1048576, "http-max-header-bytes");
        Checks.range(maxContentBytes, 0, 16 * 1024 * 1024, "http-max-content-bytes");
        Checks.positive(idleTimeout, "http-idle-timeout");
        Checks.positive(requestTimeout, "request-timeout");
    }

    /** The defaults: 4 KiB request line, 8 KiB headers, 64 KiB body, 60 s idle timeout, 10 s request timeout. */
    public static HttpConfig defaults() {
        return new HttpConfig(4096, 8192, 65536, Duration.ofSeconds(60), Duration.ofSeconds(10));
    }

    public HttpConfig withRequestTimeout(Duration timeout) {
        return new HttpConfig(maxInitialLineBytes, maxHeaderBytes, maxContentBytes, idleTimeout, timeout);
    }

    public HttpConfig withMaxContentBytes(int bytes) {
        return new HttpConfig(maxInitialLineBytes, maxHeaderBytes, bytes, idleTimeout, requestTimeout);
    }
}
