package io.serpentis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.serpentis.gateway.testing.GatewayServerExtension;
import io.serpentis.gateway.testing.HttpTestClient;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

/**
 * PROTOCOL.md compatibility table, row 1 (section 7, weak point 1: no authentication): with no admin token
 * configured, the admin routes and {@code /statuses} answer loopback peers only, 403 otherwise. The gateway
 * listens on every address here so that a request can arrive from this host's own non-loopback address.
 */
class AdminAccessIT {

    @RegisterExtension
    static final GatewayServerExtension gw = new GatewayServerExtension(c -> c.withServer(s -> s.withHost("0.0.0.0")));

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** This host's first non-loopback IPv4 address, or {@code null}. */
    private static InetAddress nonLoopbackAddress() throws SocketException {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        return null;
    }

    @Test
    void loopbackPeersMayUseStatusesAndAdminRoutesWithoutAToken() {
        HttpTestClient http = new HttpTestClient(gw.httpUri()); // 127.0.0.1
        assertThat(http.get("/statuses").statusCode()).isEqualTo(200);
        HttpResponse<String> pause = http.post("/clients/admin-access-unknown/pause");
        assertThat(pause.statusCode()).isEqualTo(404); // allowed through to the route, which does not know the id
    }

    @Test
    void nonLoopbackPeersGet403WithoutAConfiguredToken() throws SocketException {
        InetAddress address = nonLoopbackAddress();
        assumeTrue(address != null, "this host has no non-loopback IPv4 address");
        HttpTestClient remote = new HttpTestClient(URI.create("http://" + address.getHostAddress() + ":"
                + gw.server().localAddress().getPort()));
        assertThat(remote.get("/health").statusCode()).isEqualTo(200);
        for (String[] request : new String[][] {
            {"GET", "/statuses"},
            {"POST", "/clients/x/pause"},
            {"POST", "/clients/x/resume"},
            {"POST", "/clients/x/disconnect"}
        }) {
            HttpResponse<String> r = remote.send(request[0], request[1]);
            assertThat(r.statusCode()).as(request[0] + " " + request[1]).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).has("detail")).isTrue();
        }
    }
}
