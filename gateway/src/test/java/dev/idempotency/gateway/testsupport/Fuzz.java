package dev.idempotency.gateway.testsupport;

import java.lang.reflect.RecordComponent;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Generated test cases with plain JUnit 5: a property runs {@link #TRIES} cases, each drawn from a
 * {@link Random} seeded from the run's seed and the case index, so a failure names what replays it.
 * <p>
 * {@code -Dfuzz.tries=} sets the cases per property (200 in CI, more for a longer run);
 * {@code -Dfuzz.seed=} replays a run; {@code -Dfuzz.case=} with it runs just the failing case.
 * The generators favour edge cases the way property-testing libraries do (empty and full sizes,
 * boundary numbers, control characters, characters beyond the BMP), since that is where parsers break.
 */
public final class Fuzz {

    public static final int TRIES = Integer.getInteger("fuzz.tries", 200);

    public static final long SEED = Long.getLong("fuzz.seed", new SecureRandom().nextLong());

    private static final Integer ONLY_CASE = Integer.getInteger("fuzz.case");

    private static final String EDGE_CHARS = "\u0000 \t\r\n\u007f\u0080\u00a0\u00e9\u2028\ufeff\uffff";

    private Fuzz() {
    }

    /** What must hold for one generated input. */
    @FunctionalInterface
    public interface Property<T> {

        void check(T input) throws Exception;
    }

    /** Checks the property on {@link #TRIES} generated inputs; the first failure names its seed, case and input. */
    public static <T> void forAll(Function<Random, T> generator, Property<T> property) {
        for (int index = 0; index < TRIES; index++) {
            if (ONLY_CASE != null && ONLY_CASE != index) {
                continue;
            }
            T input = generator.apply(caseRandom(index));
            try {
                property.check(input);
            }
            catch (Exception | AssertionError failure) {
                throw new AssertionError("Fuzz case " + index + " of " + TRIES + " failed (replay: -Dfuzz.seed=" + SEED
                        + " -Dfuzz.case=" + index + ")\n  input: " + describe(input) + "\n  failure: " + failure, failure);
            }
        }
    }

    /** The case's own source, so one case replays without the ones before it. */
    static Random caseRandom(int index) {
        return new Random(SEED + 0x9E3779B97F4A7C15L * index);
    }

    /** A size in [min, max]: the bounds often, small sizes more than large ones. */
    public static int size(Random random, int min, int max) {
        return switch (random.nextInt(10)) {
            case 0 -> min;
            case 1 -> max;
            default -> min + random.nextInt(random.nextInt(max - min + 1) + 1);
        };
    }

    /** An int in [min, max], the bounds and zero (when in range) often. */
    public static int between(Random random, int min, int max) {
        return (int) between(random, (long) min, (long) max);
    }

    /** A long in [min, max], the bounds and zero (when in range) often. */
    public static long between(Random random, long min, long max) {
        return switch (random.nextInt(10)) {
            case 0 -> min;
            case 1 -> max;
            case 2 -> (min <= 0 && max >= 0) ? 0 : min;
            default -> min + Math.floorMod(random.nextLong(), max - min + 1);
        };
    }

    /** Any long, {@code Long.MIN_VALUE}, {@code MAX_VALUE}, 0 and ±1 often. */
    public static long anyLong(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> Long.MIN_VALUE;
            case 1 -> Long.MAX_VALUE;
            case 2 -> random.nextInt(3) - 1;
            default -> random.nextLong();
        };
    }

    /** Bytes of any value (0, -1, 127, -128 often), of a length in [min, max]. */
    public static byte[] bytes(Random random, int min, int max) {
        byte[] bytes = new byte[size(random, min, max)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = switch (random.nextInt(8)) {
                case 0 -> 0;
                case 1 -> -1;
                case 2 -> Byte.MAX_VALUE;
                case 3 -> Byte.MIN_VALUE;
                default -> (byte) random.nextInt();
            };
        }
        return bytes;
    }

    /** A string of the given characters, of a length in [min, max]. */
    public static String string(Random random, String chars, int min, int max) {
        StringBuilder string = new StringBuilder();
        for (int length = size(random, min, max); string.length() < length;) {
            string.append(chars.charAt(random.nextInt(chars.length())));
        }
        return string.toString();
    }

    /**
     * A string of any Unicode characters (control characters, U+FFFF and supplementary ones often), of
     * length [0, max] in chars. Surrogates come only in pairs: text read from a file or the wire is well-formed.
     */
    public static String anyString(Random random, int max) {
        StringBuilder string = new StringBuilder();
        for (int length = size(random, 0, max); string.length() < length;) {
            int codePoint = switch (random.nextInt(5)) {
                case 0 -> EDGE_CHARS.charAt(random.nextInt(EDGE_CHARS.length()));
                case 1 -> 0x20 + random.nextInt(0x5F);
                case 2 -> 0x10000 + random.nextInt(Character.MAX_CODE_POINT - 0xFFFF);
                default -> random.nextInt(0x10000);
            };
            if (Character.isSurrogate((char) codePoint) || string.length() + Character.charCount(codePoint) > length) {
                continue;
            }
            string.appendCodePoint(codePoint);
        }
        return string.toString();
    }

    /** The chars from {@code first} to {@code last}, for {@link #string(Random, String, int, int)}. */
    public static String chars(char first, char last) {
        StringBuilder chars = new StringBuilder();
        for (char c = first; c <= last; c++) {
            chars.append(c);
        }
        return chars.toString();
    }

    @SafeVarargs
    public static <T> T oneOf(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    public static <T> List<T> list(Random random, int min, int max, Function<Random, T> element) {
        List<T> list = new ArrayList<>();
        for (int size = size(random, min, max); list.size() < size;) {
            list.add(element.apply(random));
        }
        return list;
    }

    /** An input as it can be typed back: strings escaped, bytes in hex, records by component. */
    static String describe(Object input) {
        if (input instanceof byte[] bytes) {
            return "hex\"" + HexFormat.of().formatHex(bytes) + "\"";
        }
        if (input instanceof String string) {
            StringBuilder quoted = new StringBuilder("\"");
            string.chars().forEach(c -> quoted.append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? String.valueOf((char) c)
                    : String.format("\\u%04x", c)));
            return quoted.append('"').toString();
        }
        if (input instanceof List<?> list) {
            return list.stream().map(Fuzz::describe).toList().toString();
        }
        if (input instanceof Record record && !record.getClass().getName().startsWith("java.")) {
            List<String> components = new ArrayList<>();
            for (RecordComponent component : record.getClass().getRecordComponents()) {
                try {
                    component.getAccessor().setAccessible(true);
                    components.add(component.getName() + "=" + describe(component.getAccessor().invoke(record)));
                }
                catch (ReflectiveOperationException ex) {
                    components.add(component.getName() + "=?");
                }
            }
            return record.getClass().getSimpleName() + components;
        }
        return String.valueOf(input);
    }
}
