package io.serpentis.gateway.security;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a request carries a token, read without ever throwing on hostile input; and the digest tokens are compared
 * by.
 */
public final class Tokens {

    private Tokens() {}

    /**
     * The token of an {@code Authorization: Bearer} header (scheme case-insensitive), trimmed; {@code null} without
     * one.
     */
    public static @Nullable String bearer(HttpRequest request) {
        String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return auth.substring(7).trim();
    }

    /** The first {@code token} query parameter; {@code null} without one or when the query is malformed. */
    public static @Nullable String queryParameter(HttpRequest request) {
        try {
            List<String> values =
                    new QueryStringDecoder(request.uri()).parameters().get("token");
            return values == null || values.isEmpty() ? null : values.get(0);
        } catch (IllegalArgumentException e) {
            return null; // a malformed escape in the query: no usable token
        }
    }

    /** SHA-256 of the token's UTF-8 bytes: tokens are compared as digests, in constant time. */
    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
