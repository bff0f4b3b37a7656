package dev.idempotency.gateway.web;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading status entries: codes, classes and ranges, and one problem line per bad entry or overlap. */
class StatusRangeTests {

    static List<StatusRange> entries(String... written) {
        return Arrays.stream(written).map(StatusRange::valueOf).toList();
    }

    @ParameterizedTest
    @CsvSource({ "503, 503, 503", "5xx, 500, 599", "5XX, 500, 599", "500-599, 500, 599", "' 500 - 502 ', 500, 502",
            "408-408, 408, 408", "1xx, 100, 199" })
    void readsCodesClassesAndRanges(String written, int first, int last) {
        StatusRange range = StatusRange.valueOf(written);

        assertThat(range.first()).isEqualTo(first);
        assertThat(range.last()).isEqualTo(last);
        assertThat(StatusRange.problems(List.of(range))).isEmpty();
        assertThat(range.contains(first - 1)).isFalse();
        assertThat(range.contains(first)).isTrue();
        assertThat(range.contains(last)).isTrue();
        assertThat(range.contains(last + 1)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            600        | entry '600' is outside the HTTP statuses 100-599
            99         | entry '99' is outside the HTTP statuses 100-599
            0xx        | entry '0xx' is outside the HTTP statuses 100-599
            6xx        | entry '6xx' is outside the HTTP statuses 100-599
            500-600    | entry '500-600' is outside the HTTP statuses 100-599
            99999999999 | entry '99999999999' is outside the HTTP statuses 100-599
            599-500    | entry '599-500' is reversed: write 500-599
            5x         | entry '5x' is not a status: write a code (503), a class (5xx) or a range (500-599)
            server-errors | entry 'server-errors' is not a status: write a code (503), a class (5xx) or a range (500-599)
            500-       | entry '500-' is not a status: write a code (503), a class (5xx) or a range (500-599)
            -5         | entry '-5' is not a status: write a code (503), a class (5xx) or a range (500-599)
            """)
    void eachBadEntryIsOneLine(String written, String problem) {
        assertThat(StatusRange.problems(entries(written))).containsExactly(problem);
    }

    @Test
    void everyOverlappingPairIsNamedWithWhatBothCover() {
        assertThat(StatusRange.problems(entries("5xx", "503", "429", "429", "500-510", "nonsense"))).containsExactly(
                "entries '5xx' and '503' overlap (503); list each status once",
                "entries '429' and '429' overlap (429); list each status once",
                "entries '5xx' and '500-510' overlap (500-510); list each status once",
                "entries '503' and '500-510' overlap (503); list each status once",
                "entry 'nonsense' is not a status: write a code (503), a class (5xx) or a range (500-599)");
        assertThat(StatusRange.problems(entries("408", "425", "429", "500-502", "503", "504-599"))).isEmpty();
    }

    @Test
    void theStatusesLookedUpPerResponseAreExactlyThoseCovered() {
        var statuses = StatusRange.statusesOf(entries("408", "5xx", "420-422"));

        for (int status = 100; status <= 599; status++) {
            boolean expected = status == 408 || (status >= 500 && status <= 599) || (status >= 420 && status <= 422);
            assertThat(statuses.contains(status)).as("status " + status).isEqualTo(expected);
        }
    }
}
