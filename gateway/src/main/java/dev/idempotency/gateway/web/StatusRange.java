package dev.idempotency.gateway.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of a status list such as {@code releaseStatuses}: a code ({@code 503}), a class
 * ({@code 5xx}) or an inclusive range ({@code 500-599}). Binding never fails: an entry that does
 * not read as a status keeps what was written, and {@link #problems} names it, so that a rule with
 * several bad entries is reported whole.
 *
 * @param written the entry as the rule wrote it
 * @param first the lowest status it covers, or -1 when it is not a status
 * @param last the highest status it covers, or -1 when it is not a status
 */
public record StatusRange(String written, int first, int last) {

    private static final int MIN = 100;

    private static final int MAX = 599;

    private static final Pattern CODE = Pattern.compile("\\d+");

    private static final Pattern STATUS_CLASS = Pattern.compile("(\\d)xx");

    private static final Pattern RANGE = Pattern.compile("(\\d+)\\s*-\\s*(\\d+)");

    /** Reads an entry as a rule writes it; see the type's description. */
    public static StatusRange valueOf(String written) {
        String entry = written.strip().toLowerCase(Locale.ROOT);
        Matcher matcher;
        if (CODE.matcher(entry).matches()) {
            int code = parse(entry);
            return new StatusRange(entry, code, code);
        }
        if ((matcher = STATUS_CLASS.matcher(entry)).matches()) {
            int hundreds = Integer.parseInt(matcher.group(1)) * 100;
            return new StatusRange(entry, hundreds, hundreds + 99);
        }
        if ((matcher = RANGE.matcher(entry)).matches()) {
            return new StatusRange(matcher.group(1) + "-" + matcher.group(2), parse(matcher.group(1)),
                    parse(matcher.group(2)));
        }
        return new StatusRange(written, -1, -1);
    }

    /** YAML reads {@code 503} under {@code idempotency.defaults} as a number. */
    public static StatusRange valueOf(Integer code) {
        return valueOf(String.valueOf(code));
    }

    public static StatusRange of(int code) {
        return valueOf(String.valueOf(code));
    }

    // Too many digits is out of range, not a parse failure.
    private static int parse(String digits) {
        return digits.length() > 4 ? Integer.MAX_VALUE : Integer.parseInt(digits);
    }

    public boolean contains(int status) {
        return status >= this.first && status <= this.last;
    }

    /** What is wrong with this entry on its own, or null. */
    String problem() {
        if (this.first < 0) {
            return "is not a status: write a code (503), a class (5xx) or a range (500-599)";
        }
        if (this.first < MIN || this.last > MAX) {
            return "is outside the HTTP statuses " + MIN + "-" + MAX;
        }
        if (this.first > this.last) {
            return "is reversed: write " + this.last + "-" + this.first;
        }
        return null;
    }

    /** One line per bad entry and per pair of entries that cover a status twice. */
    static List<String> problems(List<StatusRange> ranges) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            StatusRange range = ranges.get(i);
            String problem = range.problem();
            if (problem != null) {
                problems.add("entry '" + range.written + "' " + problem);
                continue;
            }
            for (int j = 0; j < i; j++) {
                StatusRange earlier = ranges.get(j);
                if (earlier.problem() == null && earlier.first <= range.last && range.first <= earlier.last) {
                    problems.add("entries '" + earlier.written + "' and '" + range.written + "' overlap ("
                            + Math.max(earlier.first, range.first) + (Math.max(earlier.first, range.first) == Math.min(
                                    earlier.last, range.last) ? "" : "-" + Math.min(earlier.last, range.last))
                            + "); list each status once");
                }
            }
        }
        return problems;
    }

    /** Every status the (valid) entries cover, for a lookup per response. */
    static Set<Integer> statusesOf(List<StatusRange> ranges) {
        List<Integer> statuses = new ArrayList<>();
        for (StatusRange range : ranges) {
            for (int status = Math.max(range.first, MIN); status <= Math.min(range.last, MAX); status++) {
                statuses.add(status);
            }
        }
        return Set.copyOf(statuses);
    }

    @Override
    public String toString() {
        return this.written;
    }
}
