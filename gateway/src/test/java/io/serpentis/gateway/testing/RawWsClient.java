package io.serpentis.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket, for what well-behaved clients cannot do: unmasked frames, invalid UTF-8,
 * never answering pings, reading raw frames (pings included). Frames are written and read by hand per RFC 6455
 * section 5.2; nothing here is clever.
 */
public final class RawWsClient implements AutoCloseable {
    /** Opcodes (RFC 6455 section 5.2). */
    public static final int TEXT = 0x1;

    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** One frame as read from the wire. */
    public record Frame(boolean fin, int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a close frame, or -1. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
        }

        public String closeReason() {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final String handshakeResponse;

    private RawWsClient(Socket socket, String handshakeResponse) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.handshakeResponse = handshakeResponse;
    }

    /** Connects and upgrades; extra header lines (without CRLF) are sent as given. */
    public static RawWsClient connect(URI ws, String... extraHeaders) throws IOException {
        return connect(ws, 0, extraHeaders);
    }

    /**
     * Connects with a socket receive buffer of {@code receiveBufferBytes} (0: the system's), so that a client that
     * stops reading pushes back on the server quickly, and upgrades.
     */
    public static RawWsClient connect(URI ws, int receiveBufferBytes, String... extraHeaders) throws IOException {
        Socket s = new Socket();
        if (receiveBufferBytes > 0) {
            s.setReceiveBufferSize(receiveBufferBytes); // before connect, so that the TCP window is set from it
        }
        s.connect(new InetSocketAddress(ws.getHost(), ws.getPort()), 5000);
        s.setSoTimeout(10_000);
        StringBuilder req = new StringBuilder();
        req.append("GET ")
                .append(ws.getRawPath())
                .append(ws.getRawQuery() != null ? "?" + ws.getRawQuery() : "")
                .append(" HTTP/1.1\r\n")
                .append("Host: ")
                .append(ws.getHost())
                .append(':')
                .append(ws.getPort())
                .append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        for (String h : extraHeaders) {
            req.append(h).append("\r\n");
        }
        req.append("\r\n");
        s.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
        String response = readHead(s.getInputStream());
        return new RawWsClient(s, response);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                    ? state + 1
                    : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The status line and headers of the handshake response. */
    public String handshakeResponse() {
        return handshakeResponse;
    }

    /** Whether the server answered 101. */
    public boolean upgraded() {
        return handshakeResponse.startsWith("HTTP/1.1 101");
    }

    /** Sends a masked frame. */
    public void send(int opcode, byte[] payload) throws IOException {
        send(true, opcode, payload, true);
    }

    public void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a frame, masked or not, final or not. */
    public void send(boolean fin, int opcode, byte[] payload, boolean mask) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write((fin ? 0x80 : 0) | opcode);
        int maskBit = mask ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            f.write(maskBit | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length);
        } else {
            f.write(maskBit | 127);
            long n = payload.length;
            for (int i = 7; i >= 0; i--) {
                f.write((int) (n >>> (8 * i)));
            }
        }
        if (mask) {
            byte[] key = new byte[4];
            ThreadLocalRandom.current().nextBytes(key);
            f.write(key);
            for (int i = 0; i < payload.length; i++) {
                f.write(payload[i] ^ key[i & 3]);
            }
        } else {
            f.write(payload);
        }
        out.write(f.toByteArray());
        out.flush();
    }

    /** Sends a close frame with {@code code}. */
    public void sendClose(int code) throws IOException {
        send(CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /** Writes raw bytes as they are. */
    public void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads the next frame; {@code null} at end of stream. */
    public Frame read() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] maskKey = null;
        if ((b1 & 0x80) != 0) {
            maskKey = new byte[4];
            in.readFully(maskKey);
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        if (maskKey != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= maskKey[i & 3];
            }
        }
        return new Frame((b0 & 0x80) != 0, b0 & 0x0f, payload);
    }

    /** Reads frames until one with {@code opcode}; fails on end of stream. */
    public Frame readUntil(int opcode) throws IOException {
        for (; ; ) {
            Frame f = read();
            if (f == null) {
                throw new IOException("connection closed before opcode " + opcode);
            }
            if (f.opcode() == opcode) {
                return f;
            }
        }
    }

    /** Whether the server closed the TCP connection (end of stream) within the socket timeout. */
    public boolean awaitEof() throws IOException {
        try {
            while (true) {
                if (read() == null) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /** Everything the server sends until it closes the connection (e.g. the body of a refused upgrade). */
    public String readRemaining() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    public void setReadTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
