package dev.idempotency.gateway.ops.admin;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore.InspectedRecord;
import dev.idempotency.gateway.core.StoredResponse;

/**
 * What the admin API shows of one key. The stored response's headers and body only when asked
 * for: they are the client's data. The body is text when it is valid UTF-8, else base64.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record InspectedKey(String route, String state, String fingerprint, String createdAt, String expiresAt,
        long expiresInSeconds, Integer status, Integer bodyLength, List<StoredResponse.Header> headers, String body,
        String bodyBase64) {

    static InspectedKey of(String routeId, InspectedRecord inspected, Instant now, boolean withBody) {
        IdempotencyRecord record = inspected.record();
        StoredResponse response = record.response();
        String text = withBody && response != null ? utf8(response.bodyUnsafe()) : null;
        return new InspectedKey(routeId, record.state().name().toLowerCase(Locale.ROOT),
                record.fingerprint().toHex(), record.createdAt().toString(),
                now.plus(inspected.expiresIn()).toString(), inspected.expiresIn().toSeconds(),
                response != null ? response.status() : null, response != null ? response.bodyLength() : null,
                withBody && response != null ? response.headers() : null, text,
                withBody && response != null && text == null ? Base64.getEncoder().encodeToString(response.bodyUnsafe())
                        : null);
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        }
        catch (CharacterCodingException ex) {
            return null;
        }
    }
}
