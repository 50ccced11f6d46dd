package io.serpentis.gateway.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Date;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/** Mints client JWTs for tests: valid ones, and the hostile shapes a gateway must refuse. */
public final class TestJwts {
    /** A 32-byte HS256 secret. */
    public static final String SECRET = "test-jwt-secret-0123456789abcdef-0123";

    private TestJwts() {}

    /** An HS256 JWT for {@code sub} expiring {@code expiresInMillis} from now (negative: already expired). */
    public static String hs256(String secret, @Nullable String sub, long expiresInMillis) {
        JWTClaimsSet.Builder claims =
                new JWTClaimsSet.Builder().expirationTime(new Date(System.currentTimeMillis() + expiresInMillis));
        if (sub != null) {
            claims.subject(sub);
        }
        return sign(JWSAlgorithm.HS256, secret, claims.build());
    }

    /** A JWT signed with {@code alg} (an HMAC algorithm) over {@code claims}. */
    public static String sign(JWSAlgorithm alg, String secret, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    /** An unsecured JWT ({@code "alg": "none"}, empty signature) claiming {@code sub}. */
    public static String unsecured(String sub) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(
                ("{\"sub\":\"" + sub + "\",\"exp\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")
                        .getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + ".";
    }

    /**
     * A token whose header claims {@code alg} (e.g. {@code RS256}) but which carries an HMAC-SHA256 signature made
     * with {@code secret}: the algorithm-confusion attack on verifiers that trust the header.
     */
    public static String withForgedAlg(String alg, String secret, String sub) {
        try {
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String header = b64.encodeToString(("{\"alg\":\"" + alg + "\"}").getBytes(StandardCharsets.UTF_8));
            String payload = b64.encodeToString(
                    ("{\"sub\":\"" + sub + "\",\"exp\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")
                            .getBytes(StandardCharsets.UTF_8));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] sig = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + b64.encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
