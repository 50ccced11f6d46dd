package io.serpentis.gateway.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The digest Redis gives a Lua script ({@code SCRIPT LOAD}, {@code EVALSHA}), computed here to check it. */
public final class ScriptDigest {
    private ScriptDigest() {}

    /** Lower-case hex SHA-1 of the script's UTF-8 text, as Redis digests it. */
    public static String sha1(String script) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
