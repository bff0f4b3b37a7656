package dev.idempotency.gateway.core;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A compact binary form of {@link IdempotencyRecord}, one value per record.
 *
 * <pre>
 * offset  size  field
 *   0      1    format version (1)
 *   1      1    state (0 in flight, 1 completed)
 *   2      8    fencing token, big-endian
 *  10     32    request fingerprint
 *  42      8    created at, epoch milliseconds
 *  -- completed records only --
 *  50      2    status
 *  52      2    header count, then per header: u16 name length, name, u16 value length, value (UTF-8)
 *   .      4    body length, then the body bytes
 * </pre>
 *
 * The fixed header lets the Redis Lua scripts check state and token with {@code string.byte} and
 * {@code string.sub} without decoding the rest.
 */
public final class RecordCodec {

    public static final byte VERSION = 1;

    /** Lua-visible layout: 1-based positions of the state byte and the token. */
    public static final int STATE_OFFSET = 1;

    public static final int TOKEN_OFFSET = 2;

    public static final int TOKEN_LENGTH = Long.BYTES;

    private static final int FIXED_LENGTH = 2 + Long.BYTES + RequestFingerprint.LENGTH + Long.BYTES;

    private RecordCodec() {
    }

    public static byte[] encode(IdempotencyRecord record) {
        StoredResponse response = record.response();
        byte[][] headerBytes = response == null ? new byte[0][] : headerBytes(response);
        int length = FIXED_LENGTH;
        if (response != null) {
            length += 2 + 2 + 4 + response.bodyLength();
            for (byte[] bytes : headerBytes) {
                length += 2 + bytes.length;
            }
        }
        ByteBuffer buffer = ByteBuffer.allocate(length);
        buffer.put(VERSION);
        buffer.put((byte) record.state().ordinal());
        buffer.putLong(record.fencingToken());
        buffer.put(record.fingerprint().toBytes());
        buffer.putLong(record.createdAt().toEpochMilli());
        if (response != null) {
            buffer.putShort((short) response.status());
            buffer.putShort((short) response.headers().size());
            for (byte[] bytes : headerBytes) {
                buffer.putShort((short) bytes.length);
                buffer.put(bytes);
            }
            buffer.putInt(response.bodyLength());
            buffer.put(response.bodyUnsafe());
        }
        return buffer.array();
    }

    private static byte[][] headerBytes(StoredResponse response) {
        byte[][] result = new byte[response.headers().size() * 2][];
        int i = 0;
        for (StoredResponse.Header header : response.headers()) {
            result[i++] = checkedLength(header.name().getBytes(StandardCharsets.UTF_8));
            result[i++] = checkedLength(header.value().getBytes(StandardCharsets.UTF_8));
        }
        return result;
    }

    private static byte[] checkedLength(byte[] bytes) {
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("A header name or value is longer than 65535 bytes");
        }
        return bytes;
    }

    /**
     * Reads a record, accepting only the exact bytes {@link #encode} writes for it: a tampered
     * length, trailing bytes, an unknown state or invalid UTF-8 is refused rather than read as
     * some other record.
     * @throws UnreadableRecordException when {@code bytes} is not such a record
     */
    public static IdempotencyRecord decode(byte[] bytes) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            byte version = buffer.get();
            if (version != VERSION) {
                throw new UnreadableRecordException("Unknown record format version " + version);
            }
            IdempotencyRecord.State state = IdempotencyRecord.State.values()[buffer.get()];
            long token = buffer.getLong();
            byte[] fingerprint = new byte[RequestFingerprint.LENGTH];
            buffer.get(fingerprint);
            Instant createdAt = Instant.ofEpochMilli(buffer.getLong());
            IdempotencyRecord record = IdempotencyRecord.inFlight(token, RequestFingerprint.fromBytes(fingerprint), createdAt);
            if (state == IdempotencyRecord.State.IN_FLIGHT) {
                return whole(buffer, record);
            }
            StoredResponse.Builder response = StoredResponse.builder(Short.toUnsignedInt(buffer.getShort()));
            int headerCount = Short.toUnsignedInt(buffer.getShort());
            for (int i = 0; i < headerCount; i++) {
                response.header(readString(buffer), readString(buffer));
            }
            // Checked before allocating: a tampered length must not ask for gigabytes.
            int bodyLength = buffer.getInt();
            if (bodyLength < 0 || bodyLength > buffer.remaining()) {
                throw new UnreadableRecordException("Truncated or corrupt idempotency record: its body length (" + bodyLength + ") exceeds its bytes");
            }
            byte[] body = new byte[bodyLength];
            buffer.get(body);
            return whole(buffer, record.complete(response.body(body).build()));
        }
        catch (UnreadableRecordException ex) {
            throw ex;
        }
        catch (BufferUnderflowException | IndexOutOfBoundsException | CharacterCodingException ex) {
            throw new UnreadableRecordException("Truncated or corrupt idempotency record", ex);
        }
        catch (IllegalArgumentException ex) {
            // An impossible status, say: the bytes were not written by encode.
            throw new UnreadableRecordException("Invalid or corrupt idempotency record: " + ex.getMessage(), ex);
        }
    }

    private static IdempotencyRecord whole(ByteBuffer buffer, IdempotencyRecord record) {
        if (buffer.hasRemaining()) {
            throw new UnreadableRecordException("Extended or corrupt idempotency record: " + buffer.remaining() + " unexpected bytes follow it");
        }
        return record;
    }

    private static String readString(ByteBuffer buffer) throws CharacterCodingException {
        int length = Short.toUnsignedInt(buffer.getShort());
        if (length > buffer.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] bytes = buffer.array();
        int offset = buffer.arrayOffset() + buffer.position();
        buffer.position(buffer.position() + length);
        // Header names and values are almost always ASCII, which is UTF-8 as it is: read in place,
        // without a decoder and its buffers (a replay reads every stored header).
        if (isAscii(bytes, offset, length)) {
            return new String(bytes, offset, length, StandardCharsets.US_ASCII);
        }
        // Strict: a lenient decoder would turn invalid bytes into U+FFFD, a different header.
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes, offset, length))
            .toString();
    }

    private static boolean isAscii(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** The token as the 8 bytes the Lua scripts compare. */
    public static byte[] tokenBytes(long token) {
        return ByteBuffer.allocate(Long.BYTES).putLong(token).array();
    }
}
