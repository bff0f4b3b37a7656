package dev.idempotency.gateway.identity;

import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import dev.idempotency.gateway.core.Digests;

/**
 * The API keys the gateway accepts, as SHA-256 digests only: one {@code client-id:sha256hex} per
 * line, {@code #} comments and blank lines ignored, at least one key. A client may have several
 * lines (two keys at once while it rotates). Create a line with
 * {@code printf %s "$KEY" | sha256sum | cut -d' ' -f1}.
 */
public final class ApiKeyFile {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private final Map<String, String> clientsByDigest;

    private ApiKeyFile(Map<String, String> clientsByDigest) {
        this.clientsByDigest = Map.copyOf(clientsByDigest);
    }

    /**
     * @throws IllegalArgumentException naming the line that is wrong (never its content: it may
     * hold a key pasted by mistake)
     */
    public static ApiKeyFile parse(String content) {
        Map<String, String> clients = new HashMap<>();
        String[] lines = content.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.lastIndexOf(':');
            String clientId = colon < 0 ? "" : line.substring(0, colon).strip();
            String digest = colon < 0 ? "" : line.substring(colon + 1).strip();
            if (!CredentialResolver.usableClientId(clientId) || !SHA256_HEX.matcher(digest).matches()) {
                throw new IllegalArgumentException("API key file line " + (i + 1)
                        + " is not 'client-id:sha256hex' (a client id of 1 to 256 characters and the 64 hex digits"
                        + " of the key's SHA-256)");
            }
            String previous = clients.put(digest.toLowerCase(Locale.ROOT), clientId);
            if (previous != null && !previous.equals(clientId)) {
                throw new IllegalArgumentException("API key file line " + (i + 1)
                        + " gives a key that an earlier line gives to another client; a key must name one client");
            }
        }
        if (clients.isEmpty()) {
            // Most likely a file caught half-written; locking every client out is never the intent.
            throw new IllegalArgumentException("API key file holds no 'client-id:sha256hex' line");
        }
        return new ApiKeyFile(clients);
    }

    /**
     * Hashing first makes the lookup independent of how much of a stored key a guess shares: the
     * map compares digests, and a guess cannot steer its digest towards a stored one.
     */
    public String clientFor(String presentedKey) {
        return this.clientsByDigest.get(sha256Hex(presentedKey));
    }

    public int size() {
        return this.clientsByDigest.size();
    }

    static String sha256Hex(String value) {
        return HexFormat.of().formatHex(Digests.sha256(value));
    }
}
