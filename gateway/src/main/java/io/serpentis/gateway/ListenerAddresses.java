package io.serpentis.gateway;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;

/** The addresses a bound listener is reached at: its URIs, and the address this node advertises to its fleet. */
final class ListenerAddresses {
    private ListenerAddresses() {}

    /** {@code <scheme>://host:port<path>} of {@code bound} (loopback when it binds every interface). */
    static URI uri(String scheme, InetSocketAddress bound, String path) {
        return URI.create(scheme + "://" + hostForUri(bound) + ":" + bound.getPort() + path);
    }

    /**
     * This node's HTTP address as its fleet peers reach it: {@code configured} ({@code --fleet-advertise-url}), else
     * {@code http://<host>:<port>} with the bound host and port, or the machine's host name when the gateway binds
     * every interface.
     */
    static String advertised(@Nullable String configured, InetSocketAddress bound) {
        if (configured != null) {
            return configured;
        }
        String host;
        if (bound.getAddress().isAnyLocalAddress()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "127.0.0.1";
            }
        } else {
            host = bound.getAddress().getHostAddress();
        }
        return "http://" + bracketed(host) + ":" + bound.getPort();
    }

    private static String hostForUri(InetSocketAddress a) {
        return bracketed(
                a.getAddress().isAnyLocalAddress()
                        ? "127.0.0.1"
                        : a.getAddress().getHostAddress());
    }

    private static String bracketed(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
