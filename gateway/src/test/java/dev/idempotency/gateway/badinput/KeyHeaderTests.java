package dev.idempotency.gateway.badinput;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.idempotency.gateway.testsupport.RawHttpClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idempotency keys sent as raw bytes: every byte value, lengths 0 to 10 000, many and duplicate
 * header lines, header sections over Netty's limit. A bad key is always a 4xx and never
 * forwarded: a {@code problem+json} from the gateway, or Netty's own bare 400/431 when the bytes
 * are not a valid HTTP header at all (recorded per case and printed as a table). Property cases
 * use a seeded {@link Random}: {@code -Dbadinput.seed=} replays a run.
 */
class KeyHeaderTests extends BadInputGateway {

    static final long SEED = Long.getLong("badinput.seed", System.nanoTime());

    /** Netty rejects a header section over 8 KiB (Spring Boot's default {@code server.max-http-request-header-size}). */
    static final int HEADER_SECTION_LIMIT = 8192;

    private final Map<Integer, String> byteTable = new TreeMap<>();

    @AfterAll
    void printByteTable() {
        Map<Verdict, List<String>> byVerdict = new EnumMap<>(Verdict.class);
        this.byteTable.forEach((b, verdict) -> byVerdict.computeIfAbsent(Verdict.valueOf(verdict.split(" ")[0]),
                v -> new ArrayList<>()).add(String.format("%02x", b)));
        System.out.println("[badinput] seed=" + SEED + "; one byte inside a bare key, by who answered:");
        byVerdict.forEach((verdict, bytes) -> System.out.println("[badinput]   " + verdict + ": " + ranges(bytes)));
    }

    static Stream<Integer> allBytes() {
        return IntStream.range(0, 256).boxed();
    }

    /** What a key's bytes should get: the README's rule (1-255 visible ASCII, bare or sf-string) plus Netty's header validation. */
    static Verdict expectedForByteInside(int b, boolean quoted) {
        if ((b < 0x20 && b != 0x09) || b == 0x7F) {
            // Netty's header validator refuses control characters (HTAB excepted) before the gateway sees them.
            return Verdict.NETTY_REJECTED;
        }
        if (b < 0x21 || b > 0x7E || b == '"') {
            return Verdict.GATEWAY_PROBLEM;
        }
        if (quoted) {
            // Inside an sf-string only \" and \\ are escapes; a lone backslash is malformed, a comma is just a character.
            return b == '\\' ? Verdict.GATEWAY_PROBLEM : Verdict.FORWARDED;
        }
        // Bare: a comma means the field was a list (the key sent twice).
        return b == ',' ? Verdict.GATEWAY_PROBLEM : Verdict.FORWARDED;
    }

    @ParameterizedTest(name = "byte 0x{0} inside a bare key")
    @MethodSource("allBytes")
    void everyByteValueInsideABareKey(int b) {
        byte[] key = ("k" + (char) b + "k-" + newCaseId()).getBytes(StandardCharsets.ISO_8859_1);
        Verdict got = sendKeyTwice(key, expectedForByteInside(b, false));
        this.byteTable.put(b, got.name());
    }

    @ParameterizedTest(name = "byte 0x{0} inside a quoted key")
    @MethodSource("allBytes")
    void everyByteValueInsideAQuotedKey(int b) {
        byte[] key = ("\"k" + (char) b + "k-" + newCaseId() + "\"").getBytes(StandardCharsets.ISO_8859_1);
        sendKeyTwice(key, expectedForByteInside(b, true));
    }

    /** Sends a key twice; a valid one must be forwarded once then replayed, an invalid one refused both times. */
    private Verdict sendKeyTwice(byte[] key, Verdict expected) {
        String first = newCaseId();
        String second = newCaseId();
        RawHttpClient.Response firstAnswer = send(post("/orders/bytes", first).headerBytes("Idempotency-Key", key).body("{}").build());
        RawHttpClient.Response secondAnswer = send(post("/orders/bytes", second).headerBytes("Idempotency-Key", key).body("{}").build());
        String description = "key bytes " + printable(key) + ": " + firstAnswer;
        assertThat(Verdict.of(firstAnswer)).as(description).isEqualTo(expected);
        if (expected == Verdict.FORWARDED) {
            assertThat(firstAnswer.status()).isEqualTo(201);
            assertThat(Verdict.of(secondAnswer)).as("retry of " + description).isEqualTo(Verdict.REPLAYED);
            assertThat(forwarded(first)).isEqualTo(1);
            assertThat(forwarded(second)).isZero();
        }
        else {
            assertThat(Verdict.of(secondAnswer)).isEqualTo(expected);
            assertRefusedNotForwarded(firstAnswer, first, expected);
            assertRefusedNotForwarded(secondAnswer, second, expected);
        }
        return expected;
    }

    private void assertRefusedNotForwarded(RawHttpClient.Response response, String caseId, Verdict verdict) {
        if (verdict == Verdict.GATEWAY_PROBLEM) {
            assertRejected(response, caseId, 400, "idempotency-key-invalid");
        }
        else {
            assertThat(response.status()).as(response.toString()).isIn(400, 431);
            assertThat(forwarded(caseId)).isZero();
        }
    }

    static Stream<Integer> keyLengths() {
        Random random = new Random(SEED);
        List<Integer> lengths = new ArrayList<>(List.of(0, 1, 2, 254, 255, 256, 257, 1000, 4096, 7900, 8100, 8192, 8193, 10_000));
        for (int i = 0; i < 30; i++) {
            lengths.add(i % 2 == 0 ? random.nextInt(300) : random.nextInt(10_001));
        }
        return lengths.stream();
    }

    @ParameterizedTest(name = "key of {0} characters")
    @MethodSource("keyLengths")
    void keyLengthsFromZeroToTenThousand(int length) {
        String caseId = newCaseId();
        String key = length == 0 ? "" : (caseId + "-" + "k".repeat(length)).substring(0, length);
        // Short keys repeat across cases (a few characters of "case-..."): each case is its own client.
        String client = "lengths-" + caseId;
        byte[] request = postAs(client, "/orders/lengths", caseId).header("Idempotency-Key", key).body("{}").build();
        RawHttpClient.Response response = send(request);
        int headerSection = headerSectionLength(request);
        if (length >= 1 && length <= 255) {
            assertThat(response.status()).as(response.toString()).isEqualTo(201);
            assertThat(forwarded(caseId)).isEqualTo(1);
            String retry = newCaseId();
            assertThat(Verdict.of(send(postAs(client, "/orders/lengths", retry).header("Idempotency-Key", key).body("{}").build())))
                .isEqualTo(Verdict.REPLAYED);
            assertThat(forwarded(retry)).isZero();
        }
        else if (headerSection <= HEADER_SECTION_LIMIT - 200) {
            assertRejected(response, caseId, 400, "idempotency-key-invalid");
        }
        else if (headerSection > HEADER_SECTION_LIMIT + 200) {
            assertThat(response.status()).as("header section of " + headerSection + " bytes: " + response).isEqualTo(431);
            assertThat(response.isProblem()).isFalse();
            assertThat(forwarded(caseId)).isZero();
        }
        else {
            // Within Netty's accounting slack of the limit (it counts header lines without their CRLFs,
            // so a section of a few bytes over 8 KB may still pass to the gateway): either refusal
            // will do, never a forward.
            assertThat(response.status()).as(response.toString()).isIn(400, 431);
            assertThat(forwarded(caseId)).isZero();
        }
    }

    /** Random valid keys: forwarded once, and the sf-string form and OWS padding are the same key. */
    @Test
    void randomValidKeysInEverySpellingAreOneKey() {
        Random random = new Random(SEED ^ 0x5EED);
        for (int i = 0; i < 150; i++) {
            String key = randomValidKey(random);
            String first = newCaseId();
            // Short random keys repeat within a run (one of 92 one-character keys, drawn about three
            // times in 150): each key gets its own client, so a repeat is a new key, not a replay.
            String client = "random-" + first;
            RawHttpClient.Response fresh = send(postAs(client, "/orders/random", first).header("Idempotency-Key", key).body("{}").build());
            assertThat(fresh.status()).as("key " + key + ": " + fresh).isEqualTo(201);
            List<String> spellings = List.of(sfString(key), " " + key, "\t" + key + " ", " " + sfString(key) + "\t");
            for (String spelling : spellings) {
                String retry = newCaseId();
                RawHttpClient.Response replay = send(postAs(client, "/orders/random", retry).header("Idempotency-Key", spelling).body("{}").build());
                assertThat(Verdict.of(replay)).as("seed " + SEED + ", key " + key + " spelled [" + spelling + "]: " + replay)
                    .isEqualTo(Verdict.REPLAYED);
                assertThat(forwarded(retry)).isZero();
            }
            assertThat(forwarded(first)).isEqualTo(1);
        }
    }

    /** Random valid keys with one bad byte inserted somewhere inside: refused, never forwarded. */
    @Test
    void randomKeysWithOneBadByteAreRefused() {
        Random random = new Random(SEED ^ 0xBAD);
        int[] bad = IntStream.range(0, 256).filter(b -> expectedForByteInside(b, false) != Verdict.FORWARDED).toArray();
        for (int i = 0; i < 200; i++) {
            String key = randomValidKey(random);
            int b = bad[random.nextInt(bad.length)];
            int at = 1 + random.nextInt(Math.max(1, key.length() - 1));
            byte[] bytes = (key.substring(0, Math.min(at, key.length())) + (char) b + key.substring(Math.min(at, key.length())) + "x")
                .getBytes(StandardCharsets.ISO_8859_1);
            String caseId = newCaseId();
            RawHttpClient.Response response = send(post("/orders/random-bad", caseId).headerBytes("Idempotency-Key", bytes).body("{}").build());
            Verdict expected = expectedForByteInside(b, false);
            assertThat(Verdict.of(response)).as("seed " + SEED + ", key bytes " + printable(bytes) + ": " + response)
                .isEqualTo(expected);
            assertRefusedNotForwarded(response, caseId, expected);
        }
    }

    @Test
    void theKeySentTwiceIsRefusedWhateverTheSpelling() {
        List<List<String>> lines = List.of(List.of("Idempotency-Key: dup-a", "Idempotency-Key: dup-a"),
                List.of("Idempotency-Key: dup-b", "idempotency-key: dup-b"),
                List.of("IDEMPOTENCY-KEY: dup-c", "Idempotency-Key: dup-d"),
                List.of("Idempotency-Key: dup-e, dup-e"),
                List.of("Idempotency-Key: \"dup-f\", \"dup-f\""),
                List.of("Idempotency-Key: dup-g,"));
        for (List<String> headerLines : lines) {
            String caseId = newCaseId();
            RawHttpClient.RequestBuilder request = post("/orders/dup", caseId);
            headerLines.forEach(line -> request.line(line.getBytes(StandardCharsets.ISO_8859_1)));
            assertRejected(send(request.body("{}").build()), caseId, 400, "idempotency-key-invalid");
        }
        String caseId = newCaseId();
        RawHttpClient.RequestBuilder hundred = post("/orders/dup", caseId);
        for (int i = 0; i < 100; i++) {
            hundred.header("Idempotency-Key", "dup-h");
        }
        assertRejected(send(hundred.body("{}").build()), caseId, 400, "idempotency-key-invalid");
    }

    @Test
    void malformedHeaderLinesAreRefusedByNettyOrTheGateway() {
        String caseId = newCaseId();
        // RFC 9112 section 5.1: no whitespace between the field name and the colon; a server must reject it.
        RawHttpClient.Response spaceBeforeColon = send(post("/orders/lines", caseId)
            .line("Idempotency-Key : sp".getBytes(StandardCharsets.ISO_8859_1)).body("{}").build());
        assertThat(Verdict.of(spaceBeforeColon)).as(spaceBeforeColon.toString()).isEqualTo(Verdict.NETTY_REJECTED);
        assertThat(forwarded(caseId)).isZero();

        // Obsolete line folding: Netty unfolds it into "fold more", which is not a valid key.
        caseId = newCaseId();
        RawHttpClient.Response folded = send(post("/orders/lines", caseId).line("Idempotency-Key: fold".getBytes(StandardCharsets.ISO_8859_1))
            .line(" more".getBytes(StandardCharsets.ISO_8859_1)).body("{}").build());
        assertRejected(folded, caseId, 400, "idempotency-key-invalid");

        // A bare LF ends a header line only after a CR (Netty refuses a lone LF inside the field section).
        caseId = newCaseId();
        RawHttpClient.Response loneLf = send(post("/orders/lines", caseId)
            .line("Idempotency-Key: lf\nX-Injected: yes".getBytes(StandardCharsets.ISO_8859_1)).body("{}").build());
        assertThat(Verdict.of(loneLf)).as(loneLf.toString()).isEqualTo(Verdict.NETTY_REJECTED);
        assertThat(forwarded(caseId)).isZero();
    }

    @Test
    void manyHeadersPassUntilTheHeaderSectionLimitThen431() {
        String fits = newCaseId();
        RawHttpClient.RequestBuilder three = post("/orders/many", fits).header("Idempotency-Key", "many-" + fits);
        for (int i = 0; i < 300; i++) {
            three.header("X-Junk-" + i, "v");
        }
        assertThat(send(three.body("{}").build()).status()).isEqualTo(201);
        assertThat(forwarded(fits)).isEqualTo(1);

        String tooMany = newCaseId();
        RawHttpClient.RequestBuilder thousands = post("/orders/many", tooMany).header("Idempotency-Key", "many-" + tooMany);
        for (int i = 0; i < 2000; i++) {
            thousands.header("X-Junk-" + i, "v");
        }
        RawHttpClient.Response refused = send(thousands.body("{}").build());
        assertThat(refused.status()).as(refused.toString()).isEqualTo(431);
        assertThat(forwarded(tooMany)).isZero();

        String huge = newCaseId();
        RawHttpClient.Response hugeLine = send(post("/orders/many", huge).header("Idempotency-Key", "many-" + huge)
            .header("X-Huge", "h".repeat(20_000)).body("{}").build());
        assertThat(hugeLine.status()).as(hugeLine.toString()).isEqualTo(431);
        assertThat(forwarded(huge)).isZero();

        String longTarget = newCaseId();
        RawHttpClient.Response uriTooLong = send(post("/orders/" + "u".repeat(20_000), longTarget)
            .header("Idempotency-Key", "many-" + longTarget).body("{}").build());
        assertThat(uriTooLong.status()).as(uriTooLong.toString()).isEqualTo(414);
        assertThat(forwarded(longTarget)).isZero();
    }

    /**
     * docs/security.md's limits, near their edges: a 4 KB request line and 8 KB of headers. Far over
     * them (above) a raised limit would go unnoticed; here it would not.
     */
    @Test
    void theRequestLineAndHeaderLimitsAreFourAndEightKilobytes() {
        String underLine = newCaseId();
        assertThat(send(post("/orders/" + "u".repeat(3_500), underLine).header("Idempotency-Key", "line-" + underLine)
            .body("{}").build()).status()).isEqualTo(201);
        String overLine = newCaseId();
        RawHttpClient.Response lineTooLong = send(post("/orders/" + "u".repeat(4_500), overLine)
            .header("Idempotency-Key", "line-" + overLine).body("{}").build());
        assertThat(lineTooLong.status()).as(lineTooLong.toString()).isEqualTo(414);
        assertThat(forwarded(overLine)).isZero();

        String underHeaders = newCaseId();
        assertThat(send(post("/orders/headers", underHeaders).header("Idempotency-Key", "headers-" + underHeaders)
            .header("X-Large", "h".repeat(7_000)).body("{}").build()).status()).isEqualTo(201);
        String overHeaders = newCaseId();
        RawHttpClient.Response headersTooLarge = send(post("/orders/headers", overHeaders)
            .header("Idempotency-Key", "headers-" + overHeaders).header("X-Large", "h".repeat(8_500)).body("{}").build());
        assertThat(headersTooLarge.status()).as(headersTooLarge.toString()).isEqualTo(431);
        assertThat(forwarded(overHeaders)).isZero();
    }

    @Test
    void unusableClientIdentitiesAreRefused() {
        List<List<String>> identities = List.of(List.of(), List.of(""), List.of("   "), List.of("a", "b"), List.of("a", "a"),
                List.of("c".repeat(257)));
        for (List<String> values : identities) {
            String caseId = newCaseId();
            RawHttpClient.RequestBuilder request = RawHttpClient.request("POST", "/orders/identity").header("X-Case-Id", caseId)
                .header("Idempotency-Key", "id-" + caseId);
            values.forEach(value -> request.header("X-Client-Id", value));
            assertRejected(send(request.body("{}").build()), caseId, 400, "client-identity-missing");
        }
        String controlChar = newCaseId();
        RawHttpClient.Response control = send(RawHttpClient.request("POST", "/orders/identity").header("X-Case-Id", controlChar)
            .header("X-Client-Id", "c\u0001").header("Idempotency-Key", "id-" + controlChar).body("{}").build());
        assertThat(Verdict.of(control)).isEqualTo(Verdict.NETTY_REJECTED);
        assertThat(forwarded(controlChar)).isZero();
    }

    static String randomValidKey(Random random) {
        int length = 1 + (random.nextInt(4) == 0 ? random.nextInt(255) : random.nextInt(40));
        StringBuilder key = new StringBuilder(length);
        while (key.length() < length) {
            char c = (char) (0x21 + random.nextInt(0x7E - 0x21 + 1));
            if (c != '"' && c != ',') {
                key.append(c);
            }
        }
        return key.toString();
    }

    static String sfString(String key) {
        return "\"" + key.replace("\\", "\\\\") + "\"";
    }

    private static int headerSectionLength(byte[] request) {
        String text = new String(request, StandardCharsets.ISO_8859_1);
        return text.indexOf("\r\n\r\n") + 4;
    }

    static String printable(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            int v = b & 0xFF;
            out.append(v >= 0x21 && v <= 0x7E ? String.valueOf((char) v) : String.format("\\x%02x", v));
        }
        return out.length() > 80 ? out.substring(0, 80) + "...(" + bytes.length + " bytes)" : out.toString();
    }

    private static String ranges(List<String> hexBytes) {
        List<String> out = new ArrayList<>();
        int start = -1;
        int previous = -2;
        for (String hex : hexBytes) {
            int value = Integer.parseInt(hex, 16);
            if (value != previous + 1) {
                if (start >= 0) {
                    out.add(start == previous ? String.format("%02x", start) : String.format("%02x-%02x", start, previous));
                }
                start = value;
            }
            previous = value;
        }
        if (start >= 0) {
            out.add(start == previous ? String.format("%02x", start) : String.format("%02x-%02x", start, previous));
        }
        return String.join(" ", out);
    }
}
