import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Turns what bench/run recorded into Markdown, and judges it. Run as a single-file program:
 *
 * <pre>
 * java bench/report/BenchReport.java render RUNS OUT.md   the results of a full or smoke run
 * java bench/report/BenchReport.java check RUNS           exit 1 when the harness is broken (smoke)
 * java bench/report/BenchReport.java missed RUNS          scenario ids whose targets are missed
 * java bench/report/BenchReport.java jfr FILE.jfr TITLE [REQUESTS]   hot methods and allocation of a recording, to stdout
 * java bench/report/BenchReport.java rss RUNS SAMPLES OUT.md
 * java bench/report/BenchReport.java jmh RESULTS.csv OUT.md COMMAND LOAD
 * </pre>
 *
 * RUNS has one record per line: {@code kind=run scenario=4 round=1 requests=... key="a value"}.
 */
public class BenchReport {

    static final List<String> SCENARIOS = List.of("0", "1", "2", "3", "3o", "3b", "4", "4o", "4m", "5", "5o", "6", "6o", "7a", "7b");

    /** The bare Spring Cloud Gateway (bench/baseline): the floor of every gateway scenario. */
    static final String BARE = "0";

    static final String PLAIN = "3";

    /** The scenarios bench/run --ab also runs on the old jar, as id + "o". */
    static final List<String> AB = List.of("3", "4", "4m", "5", "6");

    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.ROOT);
        switch (args[0]) {
            case "render" -> Files.writeString(Path.of(args[2]), new Results(Records.read(Path.of(args[1]))).markdown(
                    Path.of(args[2]).getParent()));
            case "check" -> {
                List<String> problems = new Results(Records.read(Path.of(args[1]))).problems();
                problems.forEach(problem -> System.err.println("smoke check failed: " + problem));
                System.exit(problems.isEmpty() ? 0 : 1);
            }
            case "missed" -> System.out.println(String.join(" ", new Results(Records.read(Path.of(args[1]))).missedScenarios()));
            case "jfr" -> System.out.print(JfrSummary.markdown(Path.of(args[1]), args[2], args.length > 3 ? Long.parseLong(args[3]) : 0));
            case "rss" -> Files.writeString(Path.of(args[3]), RssReport.markdown(Records.read(Path.of(args[1])), Path.of(args[2])));
            case "jmh" -> Files.writeString(Path.of(args[2]), JmhReport.markdown(Path.of(args[1]), args[3], args[4]));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    /** The records of one run, by kind. */
    record Records(List<Map<String, String>> all) {

        private static final Pattern FIELD = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|(\\S*))");

        static Records read(Path file) throws IOException {
            List<Map<String, String>> all = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                Map<String, String> fields = new LinkedHashMap<>();
                Matcher matcher = FIELD.matcher(line);
                while (matcher.find()) {
                    fields.put(matcher.group(1), matcher.group(2) != null ? matcher.group(2) : matcher.group(3));
                }
                if (!fields.isEmpty()) {
                    all.add(fields);
                }
            }
            return new Records(all);
        }

        List<Map<String, String>> kind(String kind) {
            return this.all.stream().filter(r -> kind.equals(r.get("kind"))).toList();
        }

        List<Map<String, String>> kind(String kind, String scenario) {
            return kind(kind).stream().filter(r -> scenario.equals(r.get("scenario"))).toList();
        }

        /** A meta value; the last record that sets it wins. */
        String meta(String key, String fallback) {
            String value = fallback;
            for (Map<String, String> meta : kind("meta")) {
                if (meta.containsKey(key)) {
                    value = meta.get(key);
                }
            }
            return value;
        }
    }

    static double num(Map<String, String> record, String key) {
        String value = record.get(key);
        return value == null || value.isEmpty() || value.equals("-") ? Double.NaN : Double.parseDouble(value);
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().filter(v -> !v.isNaN()).sorted().toList();
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Bare SCG's JVM options where they differ from the gateways' (runs before they were recorded had the gateways'). */
    static String bareJvm(Records records) {
        String gateway = records.meta("gateway_java_opts", "");
        String bare = records.meta("bare_java_opts", gateway);
        return bare.equals(gateway) ? "" : "; bare SCG JVM `" + bare + "`";
    }

    static String f(double value, int decimals) {
        return Double.isNaN(value) ? "–" : String.format("%,." + decimals + "f", value);
    }

    /** One measured run of one scenario. */
    record Run(String scenario, int round, double requests, double seconds, double errors, double p50ms, double p99ms,
            double p999ms, double cpuUsPerRequest, double hwmMb, double redisPerRequest, String redisDetail,
            double upstreamPerRequest, double upstreamCpuUs, double redisCpuUs, double upstreamOrders, String statuses,
            double otherCores) {

        static Run of(Map<String, String> r, double clkTck) {
            double requests = num(r, "requests");
            double seconds = num(r, "duration_us") / 1e6;
            double errors = num(r, "errors_connect") + num(r, "errors_read") + num(r, "errors_write")
                    + num(r, "errors_status") + num(r, "errors_timeout");
            double perTick = 1e6 / clkTck / requests;
            return new Run(r.get("scenario"), (int) num(r, "round"), requests, seconds, errors, num(r, "p50_us") / 1000,
                    num(r, "p99_us") / 1000, num(r, "p999_us") / 1000, num(r, "proxy_ticks") * perTick,
                    num(r, "hwm_kb") / 1024, num(r, "redis_cmds") / requests, r.getOrDefault("redis_detail", "-"),
                    num(r, "upstream_orders") / requests, num(r, "upstream_ticks") * perTick, num(r, "redis_ticks") * perTick,
                    num(r, "upstream_orders"), r.getOrDefault("statuses", ""),
                    (num(r, "machine_ticks") - num(r, "harness_ticks") - num(r, "wrk_ticks")) / clkTck / seconds);
        }

        double throughput() {
            return this.requests / this.seconds;
        }
    }

    /** Everything a full or smoke run measured, aggregated per scenario, and the verdicts. */
    static final class Results {

        private final Records records;

        private final Map<String, List<Run>> runs = new LinkedHashMap<>();

        private final Map<String, String> labels = new LinkedHashMap<>();

        private final Map<String, String> unavailable = new LinkedHashMap<>();

        Results(Records records) {
            this.records = records;
            double clkTck = Double.parseDouble(records.meta("clk_tck", "100"));
            for (Map<String, String> s : records.kind("scenario")) {
                this.labels.put(s.get("id"), s.get("label"));
                if (!"true".equals(s.get("available"))) {
                    this.unavailable.put(s.get("id"), s.get("reason"));
                }
            }
            for (Map<String, String> r : records.kind("run")) {
                this.runs.computeIfAbsent(r.get("scenario"), k -> new ArrayList<>()).add(Run.of(r, clkTck));
            }
        }

        double med(String scenario, ToDoubleFunction<Run> metric) {
            return median(this.runs.getOrDefault(scenario, List.of()).stream().map(metric::applyAsDouble).toList());
        }

        double min(String scenario, ToDoubleFunction<Run> metric) {
            return this.runs.getOrDefault(scenario, List.of()).stream().mapToDouble(metric).min().orElse(Double.NaN);
        }

        double max(String scenario, ToDoubleFunction<Run> metric) {
            return this.runs.getOrDefault(scenario, List.of()).stream().mapToDouble(metric).max().orElse(Double.NaN);
        }

        /** Median over rounds of (scenario in round r) op (reference in round r): pairs from one sitting. */
        double pairedMedian(String scenario, String reference, ToDoubleFunction<Run> metric, boolean ratio) {
            List<Double> values = new ArrayList<>();
            for (Run run : this.runs.getOrDefault(scenario, List.of())) {
                for (Run plain : this.runs.getOrDefault(reference, List.of())) {
                    if (plain.round() == run.round()) {
                        double a = metric.applyAsDouble(run);
                        double b = metric.applyAsDouble(plain);
                        values.add(ratio ? a / b : a - b);
                    }
                }
            }
            return median(values);
        }

        double ratio(String scenario) {
            return pairedMedian(scenario, PLAIN, Run::throughput, true);
        }

        double cpuOverPlain(String scenario) {
            return pairedMedian(scenario, PLAIN, Run::cpuUsPerRequest, false);
        }

        double bareRatio(String scenario) {
            return pairedMedian(scenario, BARE, Run::throughput, true);
        }

        double cpuOverBare(String scenario) {
            return pairedMedian(scenario, BARE, Run::cpuUsPerRequest, false);
        }

        Map<String, String> roundTrips(String scenario) {
            List<Map<String, String>> rt = this.records.kind("rt", scenario);
            return rt.isEmpty() ? null : rt.get(rt.size() - 1);
        }

        double roundTripsPerRequest(String scenario) {
            Map<String, String> rt = roundTrips(scenario);
            return rt == null ? Double.NaN : num(rt, "client_cmds") / num(rt, "requests");
        }

        double paced(String scenario, String key) {
            return median(this.records.kind("paced", scenario).stream().map(r -> num(r, key) / 1000).toList());
        }

        double pacedThroughput(String scenario) {
            return median(this.records.kind("paced", scenario).stream()
                .map(r -> num(r, "requests") / (num(r, "duration_us") / 1e6)).toList());
        }

        /** Each target of issue 9: what it asks, the figure, and whether it is met (null: not measured). */
        List<Target> targets() {
            List<Target> targets = new ArrayList<>();
            double ratio4 = ratio("4");
            targets.add(new Target("4", "idempotent first request (Redis) >= 0.80 x plain route throughput",
                    f(ratio4, 2) + " x (" + f(med("4", Run::throughput), 0) + " vs " + f(med(PLAIN, Run::throughput), 0) + " req/s)",
                    Double.isNaN(ratio4) ? null : ratio4 >= 0.80));
            double cpu4 = cpuOverPlain("4");
            targets.add(new Target("4", "... i.e. at most about +20 us gateway CPU per request over the plain route",
                    "+" + f(cpu4, 1) + " us (" + f(med("4", Run::cpuUsPerRequest), 1) + " vs " + f(med(PLAIN, Run::cpuUsPerRequest), 1) + " us/req)",
                    Double.isNaN(cpu4) ? null : cpu4 <= 20));
            double ratio5 = ratio("5");
            targets.add(new Target("5", "replay (Redis) >= 1.2 x plain route throughput",
                    f(ratio5, 2) + " x (" + f(med("5", Run::throughput), 0) + " req/s)", Double.isNaN(ratio5) ? null : ratio5 >= 1.2));
            double added = paced("4", "p99_us") - paced(PLAIN, "p99_us");
            targets.add(new Target("4", "p99 added latency over the plain route <= 2 ms at the paced rate below",
                    "+" + f(added, 2) + " ms (p99 " + f(paced("4", "p99_us"), 2) + " vs " + f(paced(PLAIN, "p99_us"), 2) + " ms at "
                            + this.records.meta("half_saturation_rate", "?") + " req/s)",
                    Double.isNaN(added) ? null : added <= 2.0));
            double rt4 = roundTripsPerRequest("4");
            targets.add(new Target("4", "Redis round trips <= 2 for a first request", f(rt4, 2) + " per request",
                    Double.isNaN(rt4) ? null : rt4 <= 2.02));
            double rt5 = roundTripsPerRequest("5");
            targets.add(new Target("5", "Redis round trips = 1 for a replay", f(rt5, 2) + " per request",
                    Double.isNaN(rt5) ? null : rt5 <= 1.02));
            double rt6 = roundTripsPerRequest("6");
            targets.add(new Target("6", "... plus the rate limiter's (idempotent + RateLimit route)",
                    Double.isNaN(rt6) ? "not measured (" + this.unavailable.getOrDefault("6", "no run") + ")"
                            : f(rt6, 2) + " per request, of which the limiter's " + f(rt6 - rt4, 2),
                    Double.isNaN(rt6) || Double.isNaN(rt4) ? null : rt6 - rt4 >= 0 && rt4 <= 2.02));
            return targets;
        }

        /** Each target of issue 18, against the bare Spring Cloud Gateway of the same rounds. */
        List<Target> bareTargets() {
            List<Target> targets = new ArrayList<>();
            double bareCpu = med(BARE, Run::cpuUsPerRequest);
            double cpuRatio3 = pairedMedian(PLAIN, BARE, Run::cpuUsPerRequest, true);
            targets.add(new Target("3", "route without filters: gateway CPU <= 1.10 x bare SCG",
                    f(cpuRatio3, 2) + " x (" + f(med(PLAIN, Run::cpuUsPerRequest), 1) + " vs " + f(bareCpu, 1) + " us/req)",
                    Double.isNaN(cpuRatio3) ? null : cpuRatio3 <= 1.10));
            double cpu4 = cpuOverBare("4");
            targets.add(new Target("4", "first request (Redis): CPU <= bare + 60 us",
                    "+" + f(cpu4, 1) + " us (" + f(med("4", Run::cpuUsPerRequest), 1) + " vs " + f(bareCpu, 1) + " us/req)",
                    Double.isNaN(cpu4) ? null : cpu4 <= 60));
            double ratio4 = bareRatio("4");
            targets.add(new Target("4", "... i.e. >= 0.70 x bare throughput", f(ratio4, 2) + " x",
                    Double.isNaN(ratio4) ? null : ratio4 >= 0.70));
            double cpu6 = cpuOverBare("6");
            targets.add(new Target("6", "first request with RateLimit too: CPU <= bare + 80 us",
                    "+" + f(cpu6, 1) + " us (" + f(med("6", Run::cpuUsPerRequest), 1) + " us/req)",
                    Double.isNaN(cpu6) ? null : cpu6 <= 80));
            double ratio5 = bareRatio("5");
            targets.add(new Target("5", "replay (Redis) >= 1.6 x bare throughput",
                    f(ratio5, 2) + " x (" + f(med("5", Run::throughput), 0) + " vs " + f(med(BARE, Run::throughput), 0) + " req/s)",
                    Double.isNaN(ratio5) ? null : ratio5 >= 1.6));
            double inFlight = pairedMedian("4m", "4", Run::cpuUsPerRequest, false);
            targets.add(new Target("4m", "maxInFlightPerClient on: <= 10 us more than without it",
                    f(inFlight, 1) + " us (" + f(med("4m", Run::cpuUsPerRequest), 1) + " vs " + f(med("4", Run::cpuUsPerRequest), 1) + " us/req)",
                    Double.isNaN(inFlight) ? null : inFlight <= 10));
            double added = paced("4", "p99_us") - paced(BARE, "p99_us");
            targets.add(new Target("4", "p99 <= bare SCG's p99 + 2 ms at half the first request's saturation",
                    "+" + f(added, 2) + " ms (p99 " + f(paced("4", "p99_us"), 2) + " vs " + f(paced(BARE, "p99_us"), 2) + " ms at "
                            + this.records.meta("half_saturation_rate", "?") + " req/s)",
                    Double.isNaN(added) ? null : added <= 2.0));
            return targets;
        }

        List<String> missedScenarios() {
            return java.util.stream.Stream.concat(targets().stream(), bareTargets().stream()).filter(t -> Boolean.FALSE.equals(t.met())).map(Target::scenario).distinct().toList();
        }

        /** What makes a smoke run fail: the harness (or the gateway under it) is broken. */
        List<String> problems() {
            List<String> problems = new ArrayList<>();
            double connections = Double.parseDouble(this.records.meta("connections", "64"));
            for (Map<String, String> check : this.records.kind("check")) {
                if (!"true".equals(check.get("ok"))) {
                    problems.add("check " + check.get("name") + ": " + check.get("detail"));
                }
            }
            for (String id : SCENARIOS) {
                if (this.unavailable.containsKey(id) || !this.labels.containsKey(id)) {
                    continue;
                }
                List<Run> scenarioRuns = this.runs.getOrDefault(id, List.of());
                if (scenarioRuns.isEmpty()) {
                    problems.add("scenario " + id + " has no run");
                }
                for (Run run : scenarioRuns) {
                    if (run.requests() <= 0) {
                        problems.add("scenario " + id + " round " + run.round() + ": no request completed");
                    }
                    if (run.errors() > 0) {
                        problems.add("scenario " + id + " round " + run.round() + ": " + f(run.errors(), 0) + " errors (socket or non-2xx)"
                                + (run.statuses().isEmpty() ? "" : ", statuses " + run.statuses()));
                    }
                    boolean replay = id.equals("5") || id.equals("5o") || id.equals("7b");
                    if (replay && run.upstreamOrders() != 0) {
                        problems.add("scenario " + id + ": " + f(run.upstreamOrders(), 0) + " replays reached the upstream");
                    }
                    // every completed request went upstream once; requests still in flight when wrk stopped add up to one per connection
                    double extra = run.upstreamOrders() - run.requests();
                    if (!replay && (extra < -run.errors() || extra > connections + 2)) {
                        problems.add("scenario " + id + ": the upstream saw " + f(run.upstreamOrders(), 0) + " orders for "
                                + f(run.requests(), 0) + " requests");
                    }
                }
            }
            for (Map<String, String> p : this.records.kind("prepopulate")) {
                if (num(p, "keys") != num(p, "upstream_orders") || num(p, "second_pass_orders") != 0) {
                    problems.add("storing " + p.get("keys") + " keys for scenario " + p.get("scenario") + " reached the upstream "
                            + p.get("upstream_orders") + " + " + p.get("second_pass_orders") + " times (statuses " + p.get("first_pass")
                        + ", then " + p.get("second_pass") + ")");
                }
            }
            for (Map<String, String> p : this.records.kind("paced")) {
                if (num(p, "timed") <= 0 || num(p, "untimed") > 0) {
                    problems.add("paced run of scenario " + p.get("scenario") + ": " + p.get("timed") + " responses timed, "
                            + p.get("untimed") + " without the echoed X-Bench-T0 header");
                }
            }
            for (String id : List.of("4", "5")) {
                if (!this.unavailable.containsKey(id) && roundTripsPerRequest(id) <= 0) {
                    problems.add("scenario " + id + ": MONITOR saw no Redis command from the gateway");
                }
            }
            return problems;
        }

        String markdown(Path resultsDir) throws IOException {
            StringWriter text = new StringWriter();
            PrintWriter out = new PrintWriter(text);
            Records r = this.records;
            out.printf("# Idempotency gateway benchmark: %s run, %s%n%n", r.meta("mode", "?"), r.meta("started", "?"));
            out.printf("Command: `%s` (at the repository root).%n%n", r.meta("command", "bench/run"));
            out.printf("**The load generator (wrk), the upstream, nginx, Redis and the gateway all share the same %s cores** "
                    + "(%s, kernel %s): the figures compare paths within this run; they are not capacity figures. "
                    + "Load average (1/5/15 min) before the run: %s; after: %s.%n%n",
                    r.meta("cores", "?"), r.meta("cpu", "?"), r.meta("kernel", "?"), r.meta("load_before", "?"), r.meta("load_after", "?"));
            out.printf("Settings: `wrk -t%s -c%s`, %s s per measured run after a %s s warm-up (and %s s per scenario before the first "
                    + "round), %s round(s); the scenarios of a round run one after another, in reverse order every other round "
                    + "(A B ... B A), so drift does not favour one. Figures are medians over rounds; the spread is min–max. "
                    + "Gateway JVM `%s`%s; upstream JVM `%s`; %s; %s; Redis %s; nginx %s. Every request is the same POST "
                    + "(89-byte JSON, `Idempotency-Key` + `X-Client-Id`), a new key each time except in the replay scenarios.%n%n",
                    r.meta("threads", "?"), r.meta("connections", "?"), r.meta("duration", "?"), r.meta("run_warmup", "?"),
                    r.meta("warmup", "?"), r.meta("rounds", "?"), r.meta("gateway_java_opts", ""), bareJvm(r), r.meta("upstream_java_opts", ""),
                    r.meta("java", "?"), r.meta("wrk", "?"), r.meta("redis", "?"), r.meta("nginx", "not installed"));

            List<Double> others = this.runs.values().stream().flatMap(List::stream).map(Run::otherCores).toList();
            if (others.stream().anyMatch(v -> !v.isNaN())) {
                out.printf("Other processes (neither the harness nor wrk) used a median of %s cores (at most %s) during the measured "
                        + "runs, from `/proc/stat` less the harness's processes and wrk.%n%n", f(median(others), 2),
                        f(others.stream().filter(v -> !v.isNaN()).mapToDouble(Double::doubleValue).max().orElse(Double.NaN), 2));
            }
            List<Map<String, String>> discarded = r.kind("discarded");
            if (!r.meta("quiet_waited", "").isEmpty()) {
                out.printf("Before each measured run the harness waited until other processes used less than %s cores (%s s of "
                        + "waiting in all); %d run(s) during which they used more were discarded and run again%s.%n%n",
                        r.meta("quiet_cores", "?"), r.meta("quiet_waited", "?"), discarded.size(),
                        discarded.isEmpty() ? "" : discarded.stream().map(d -> d.get("scenario") + "/" + d.get("round"))
                            .collect(Collectors.joining(", ", " (scenario/round: ", ")")));
            }
            out.println("## Results");
            out.println();
            out.println("| # | scenario | req/s | spread (min–max) | × bare | × plain | p50 ms | p99 ms | p99.9 ms | CPU µs/req | ΔCPU vs bare µs | ΔCPU vs plain µs | peak RSS MB | Redis cmds/req | Redis round trips/req | upstream calls/req | errors |");
            out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (String id : SCENARIOS) {
                if (!this.labels.containsKey(id)) {
                    continue;
                }
                if (this.unavailable.containsKey(id)) {
                    out.printf("| %s | %s | – | | | | | | | | | | | | | | %s |%n", id, this.labels.get(id), this.unavailable.get(id));
                    continue;
                }
                double tput = med(id, Run::throughput);
                double spread = (max(id, Run::throughput) - min(id, Run::throughput)) / tput * 100;
                boolean gateway = !id.equals("1") && !id.equals("2");
                out.printf("| %s | %s | %s | %s–%s (±%s%%) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", id, this.labels.get(id),
                        f(tput, 0), f(min(id, Run::throughput), 0), f(max(id, Run::throughput), 0), f(spread / 2, 1),
                        f(bareRatio(id), 2), f(ratio(id), 2), f(med(id, Run::p50ms), 2), f(med(id, Run::p99ms), 2), f(med(id, Run::p999ms), 2),
                        f(med(id, Run::cpuUsPerRequest), 1), gateway && !id.equals(BARE) ? f(cpuOverBare(id), 1) : "",
                        gateway && !id.equals(BARE) ? f(cpuOverPlain(id), 1) : "", f(max(id, Run::hwmMb), 0),
                        f(med(id, Run::redisPerRequest), 2), f(roundTripsPerRequest(id), 2), f(med(id, Run::upstreamPerRequest), 3),
                        f(this.runs.getOrDefault(id, List.of()).stream().mapToDouble(Run::errors).sum(), 0));
            }
            out.println();
            for (Map<String, String> st : r.kind("statuses")) {
                out.printf("- Scenario %s answered errors in round %s; a 3 s run counting statuses got: %s%n", st.get("scenario"),
                        st.get("round"), st.getOrDefault("statuses", "?"));
            }
            out.println("- **CPU µs/req** is the CPU time (user + system, from `/proc/<pid>/stat`) of the process in front of the "
                    + "upstream divided by the requests completed: the gateway JVM for 3–7, nginx (master and workers) for 2, the "
                    + "upstream itself for 1. It carries across machines better than req/s on 2 shared cores. **× bare**, **× plain** "
                    + "and **ΔCPU** pair each round with the bare Spring Cloud Gateway's (scenario 0: bench/baseline, the starter "
                    + "and one route) or the plain route's run of the same round.");
            out.println("- **peak RSS** is `VmHWM` of that process, reset before each run (`echo 5 > /proc/<pid>/clear_refs`); "
                    + "the highest over rounds.");
            out.println("- **Redis cmds/req** counts every command in `INFO commandstats`, including those a Lua script runs "
                    + "inside Redis; **round trips/req** counts only the commands the gateway sent (from a separate short run "
                    + "under `MONITOR`, which marks script-internal commands). Detail below.");
            out.println("- **upstream calls/req** is the upstream's own order counter: 1 for a forwarded request, 0 for a replay.");
            double upstream = med("1", Run::throughput);
            double fastest = SCENARIOS.stream().filter(id -> !id.equals("1") && this.runs.containsKey(id))
                .mapToDouble(id -> med(id, Run::throughput)).max().orElse(Double.NaN);
            out.printf("- Upstream headroom: the upstream alone served %s req/s (scenario 1), %s× the fastest proxied scenario "
                    + "(%s req/s), at %s µs of its own CPU per request: %s%n%n",
                    f(upstream, 0), f(upstream / fastest, 1), f(fastest, 0), f(med("1", Run::cpuUsPerRequest), 1),
                    upstream / fastest >= 1.5 ? "it is not the bottleneck of any proxied scenario."
                            : "**too close to the fastest proxied scenario: the upstream may be what limits it.**");

            if (AB.stream().anyMatch(id -> this.runs.containsKey(id + "o"))) {
                out.println("## Old jar against new jar (A/B, same run)");
                out.println();
                out.printf("Old jar `%s` (sha256 %s…) against the new build (%s), each old scenario measured right after the new one "
                        + "in every round (Redis store for both; the old gateway on Redis database 1). Δ and × pair the runs of one round.%n%n",
                        r.meta("ab_jar", "?"), r.meta("ab_jar_sha", "?"), r.meta("new_commit", "?"));
                out.println("| # | scenario | old req/s | new req/s | new × old | old CPU µs/req | new CPU µs/req | Δ CPU µs/req | old Δ vs bare µs | new Δ vs bare µs |");
                out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
                for (String id : AB) {
                    String old = id + "o";
                    if (!this.runs.containsKey(id) || !this.runs.containsKey(old)) {
                        continue;
                    }
                    out.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", id, this.labels.get(id), f(med(old, Run::throughput), 0),
                            f(med(id, Run::throughput), 0), f(pairedMedian(id, old, Run::throughput, true), 2),
                            f(med(old, Run::cpuUsPerRequest), 1), f(med(id, Run::cpuUsPerRequest), 1),
                            f(pairedMedian(id, old, Run::cpuUsPerRequest, false), 1), f(cpuOverBare(old), 1), f(cpuOverBare(id), 1));
                }
                out.println();
            }

            out.println("## Latency at half saturation (open loop)");
            out.println();
            List<String> pacedScenarios = List.of(BARE, PLAIN, "3b", "4", "4o", "7a");
            if (pacedScenarios.stream().allMatch(id -> this.records.kind("paced", id).isEmpty())) {
                out.printf("Not measured: the scenario whose saturation sets the rate (4, or 3 without it) was not run.%n");
            }
            else {
                out.printf("Rate: %s req/s, half the median saturation throughput of scenario %s (%s req/s) above. wrk has no "
                        + "constant-rate mode and wrk2 is not in Debian, so `bench/wrk/paced.lua` paces wrk itself (`-t%s -c%s`, %s s "
                        + "per run, %s run(s) per scenario, interleaved): each thread sends on a fixed schedule and each latency is "
                        + "measured from the moment the request was *meant* to be sent (carried in an `X-Bench-T0` header that the "
                        + "upstream echoes), so a stall is charged to every request it delays (no coordinated omission).%n%n",
                        r.meta("half_saturation_rate", "?"), r.meta("saturation_reference", PLAIN),
                        r.meta("reference_saturation", r.meta("plain_saturation", "?")), r.meta("threads", "?"),
                        r.meta("paced_connections", "?"), r.meta("paced_duration", "?"), r.meta("paced_reps", "?"));
                out.println("| # | scenario | rate req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | p99 added over bare ms | p99 added over plain ms |");
                out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
                for (String id : pacedScenarios) {
                    if (this.records.kind("paced", id).isEmpty()) {
                        continue;
                    }
                    out.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", id, this.labels.get(id), r.meta("half_saturation_rate", "?"),
                            f(pacedThroughput(id), 0), f(paced(id, "p50_us"), 2), f(paced(id, "p99_us"), 2), f(paced(id, "p999_us"), 2),
                            id.equals(BARE) ? "" : f(paced(id, "p99_us") - paced(BARE, "p99_us"), 2),
                            id.equals(PLAIN) || id.equals(BARE) ? "" : f(paced(id, "p99_us") - paced(PLAIN, "p99_us"), 2));
                }
            }
            out.println();

            out.println("## Redis commands per request");
            out.println();
            out.println("| # | scenario | round trips/req (MONITOR) | inside Lua/req | commands the gateway sent | all commands (commandstats, last round) |");
            out.println("|---|---|---:|---:|---|---|");
            for (String id : SCENARIOS) {
                Map<String, String> rt = roundTrips(id);
                if (rt == null) {
                    continue;
                }
                List<Run> scenarioRuns = this.runs.getOrDefault(id, List.of());
                String all = scenarioRuns.isEmpty() ? "–" : perRequest(scenarioRuns.get(scenarioRuns.size() - 1).redisDetail(),
                        scenarioRuns.get(scenarioRuns.size() - 1).requests());
                out.printf("| %s | %s | %s | %s | %s | %s |%n", id, this.labels.get(id), f(roundTripsPerRequest(id), 2),
                        f(num(rt, "lua_cmds") / num(rt, "requests"), 2), perRequest(rt.get("rt_detail"), num(rt, "requests")), all);
            }
            out.println();

            targetTable(out, "Targets against bare Spring Cloud Gateway (issue 18)", bareTargets());
            out.println();
            targetTable(out, "Targets against the plain route (issue 9)", targets());
            Path rss = resultsDir == null ? null : resultsDir.resolve("rss-latest.md");
            String rssVerdict = rss != null && Files.exists(rss) ? Files.readAllLines(rss).stream()
                .filter(line -> line.startsWith("**Verdict")).findFirst().orElse("") : "";
            out.printf("| RSS flat over a 10-minute run with -Xmx512m | 4 + 5 | `bench/run --rss` → rss-latest.md | %s |%n",
                    rssVerdict.isEmpty() ? "see `bench/run --rss`" : rssVerdict.replace("**Verdict:**", "").trim());
            double ratio7a = ratio("7a");
            double ratio7b = ratio("7b");
            if (!Double.isNaN(ratio7a) || !Double.isNaN(ratio7b)) {
                out.printf("%nIn-memory store (scenario 7, for comparison, same targets): first request %s × plain (ΔCPU +%s µs), "
                        + "replay %s × plain.%n", f(ratio7a, 2), f(cpuOverPlain("7a"), 1), f(ratio7b, 2));
            }
            out.println();

            List<Map<String, String>> jfr = r.kind("jfr");
            if (!jfr.isEmpty()) {
                out.println("## Where the time goes (JFR)");
                out.println();
                for (Map<String, String> j : jfr) {
                    out.printf("- scenario %s: [%s](%s) (recording `%s`)%n", j.get("scenario"), j.get("summary"), j.get("summary"),
                            j.get("recording"));
                }
                out.println();
            }

            out.println("## Checks");
            out.println();
            for (Map<String, String> check : r.kind("check")) {
                out.printf("- %s: %s (%s)%n", check.get("name"), "true".equals(check.get("ok")) ? "ok" : "FAILED", check.get("detail"));
            }
            for (Map<String, String> p : r.kind("prepopulate")) {
                out.printf("- stored %s keys for scenario %s before measuring (statuses %s); the upstream served %s orders, "
                        + "and %s more on a second pass over the keys (statuses %s)%n", p.get("keys"), p.get("scenario"),
                        p.get("first_pass"), p.get("upstream_orders"), p.get("second_pass_orders"), p.get("second_pass"));
            }
            List<String> problems = problems();
            out.printf("- %s%n%n", problems.isEmpty() ? "no errors, no replay reached the upstream" : String.join("; ", problems));

            out.println("## Every run");
            out.println();
            out.println("| # | round | req/s | p50 ms | p99 ms | p99.9 ms | CPU µs/req | upstream CPU µs/req | Redis CPU µs/req | peak RSS MB | other processes, cores |");
            out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (String id : SCENARIOS) {
                for (Run run : this.runs.getOrDefault(id, List.of())) {
                    out.printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", id, run.round(), f(run.throughput(), 0),
                            f(run.p50ms(), 2), f(run.p99ms(), 2), f(run.p999ms(), 2), f(run.cpuUsPerRequest(), 1),
                            f(run.upstreamCpuUs(), 1), f(run.redisCpuUs(), 1), f(run.hwmMb(), 0), f(run.otherCores(), 2));
                }
            }
            out.flush();
            return text.toString();
        }

        private static void targetTable(PrintWriter out, String title, List<Target> targets) {
            out.println("## " + title);
            out.println();
            out.println("| target | scenario | figure | verdict |");
            out.println("|---|---|---|---|");
            for (Target target : targets) {
                out.printf("| %s | %s | %s | %s |%n", target.what(), target.scenario(), target.figure(),
                        target.met() == null ? "not measured" : target.met() ? "**met**" : "**not met**");
            }
        }

        private static String perRequest(String detail, double requests) {
            if (detail == null || detail.equals("-") || detail.isEmpty()) {
                return "–";
            }
            return Arrays.stream(detail.split(","))
                .map(pair -> pair.split(":"))
                .sorted(Comparator.comparing(pair -> pair[0]))
                .map(pair -> pair[0].toUpperCase(Locale.ROOT) + " " + f(Double.parseDouble(pair[1]) / requests, 2))
                .collect(Collectors.joining(", "));
        }
    }

    record Target(String scenario, String what, String figure, Boolean met) {
    }

    /** Where the gateway spends its CPU in a JFR recording: execution samples by layer and method. */
    static final class JfrSummary {

        private static final Map<String, List<String>> LAYERS = new LinkedHashMap<>();

        static {
            LAYERS.put("idempotency gateway (dev.idempotency)", List.of("dev.idempotency."));
            LAYERS.put("Lettuce (Redis client)", List.of("io.lettuce."));
            LAYERS.put("Spring Data Redis", List.of("org.springframework.data.redis."));
            LAYERS.put("Spring Cloud Gateway", List.of("org.springframework.cloud.gateway."));
            LAYERS.put("Spring web / core", List.of("org.springframework."));
            LAYERS.put("Reactor Netty", List.of("reactor.netty."));
            LAYERS.put("Reactor Core", List.of("reactor.core.", "reactor.util."));
            LAYERS.put("Netty", List.of("io.netty."));
            LAYERS.put("SHA-256 / security", List.of("sun.security.", "java.security."));
            LAYERS.put("logging", List.of("ch.qos.logback.", "org.slf4j.", "org.apache.logging."));
            LAYERS.put("Jackson", List.of("tools.jackson.", "com.fasterxml.jackson."));
            LAYERS.put("Micrometer / observation", List.of("io.micrometer."));
            LAYERS.put("JDK", List.of("java.", "javax.", "jdk.", "sun."));
        }

        static String layer(String className) {
            for (Map.Entry<String, List<String>> layer : LAYERS.entrySet()) {
                for (String prefix : layer.getValue()) {
                    if (className.startsWith(prefix)) {
                        return layer.getKey();
                    }
                }
            }
            return "other";
        }

        static String markdown(Path file, String title, long requests) throws IOException {
            Map<String, Integer> self = new HashMap<>();
            Map<String, Integer> selfLayer = new HashMap<>();
            Map<String, Integer> callerLayer = new HashMap<>();
            Map<String, Integer> inclusiveLayer = new HashMap<>();
            Map<String, Integer> ownInclusive = new HashMap<>();
            Map<String, Integer> ownPackages = new HashMap<>();
            Map<String, Double> allocations = new HashMap<>();
            Map<String, Double> ownAllocations = new HashMap<>();
            Map<Long, long[]> threadAllocated = new HashMap<>();
            Map<Long, java.time.Instant> firstSamples = firstSamples(file);
            int samples = 0;
            int collections = 0;
            Duration gcPause = Duration.ZERO;
            Duration span = Duration.ZERO;
            java.time.Instant first = null;
            java.time.Instant last = null;
            double allocated = 0;
            try (RecordingFile recording = new RecordingFile(file)) {
                while (recording.hasMoreEvents()) {
                    RecordedEvent event = recording.readEvent();
                    first = first == null || event.getStartTime().isBefore(first) ? event.getStartTime() : first;
                    last = last == null || event.getEndTime().isAfter(last) ? event.getEndTime() : last;
                    String type = event.getEventType().getName();
                    if (type.equals("jdk.GarbageCollection")) {
                        collections++;
                        gcPause = gcPause.plus(event.getDuration("sumOfPauses"));
                    }
                    else if (type.equals("jdk.ObjectAllocationSample") && event.getStackTrace() != null) {
                        // A thread's first sample weighs all it allocated since it started (or since its
                        // last sample before the recording): one random frame would carry megabytes.
                        // JFR's own start (the attach thread) is not the gateway's work.
                        if (event.getThread("eventThread") == null || isRecorder(event.getThread("eventThread"))
                                || event.getStartTime().equals(firstSamples.get(event.getThread("eventThread").getId()))) {
                            continue;
                        }
                        double weight = event.getLong("weight");
                        allocated += weight;
                        allocations.merge(firstOwnFrame(event.getStackTrace()), weight, Double::sum);
                        ownAllocations.merge(firstGatewayFrame(event.getStackTrace()), weight, Double::sum);
                    }
                    else if (type.equals("jdk.ThreadAllocationStatistics") && event.getThread("thread") != null
                            && !isRecorder(event.getThread("thread"))) {
                        // per thread: the lowest and highest count seen (at the recording's start and end)
                        long bytes = event.getLong("allocated");
                        threadAllocated.merge(event.getThread("thread").getId(), new long[] { bytes, bytes },
                                (a, b) -> new long[] { Math.min(a[0], b[0]), Math.max(a[1], b[1]) });
                    }
                    else if (type.equals("jdk.ExecutionSample") && event.getStackTrace() != null) {
                        List<RecordedFrame> frames = event.getStackTrace().getFrames();
                        if (frames.isEmpty()) {
                            continue;
                        }
                        samples++;
                        self.merge(name(frames.get(0)), 1, Integer::sum);
                        selfLayer.merge(layer(frames.get(0).getMethod().getType().getName()), 1, Integer::sum);
                        callerLayer.merge(callerLayer(frames), 1, Integer::sum);
                        Set<String> layers = new LinkedHashSet<>();
                        Set<String> own = new LinkedHashSet<>();
                        Set<String> packages = new LinkedHashSet<>();
                        for (RecordedFrame frame : frames) {
                            String className = frame.getMethod().getType().getName();
                            layers.add(layer(className));
                            if (className.startsWith("dev.idempotency.") && !className.contains("$$Lambda")) {
                                own.add(name(frame));
                                packages.add(className.substring(0, className.lastIndexOf('.')));
                            }
                        }
                        layers.forEach(l -> inclusiveLayer.merge(l, 1, Integer::sum));
                        own.forEach(m -> ownInclusive.merge(m, 1, Integer::sum));
                        packages.forEach(p -> ownPackages.merge(p, 1, Integer::sum));
                    }
                }
            }
            if (first != null) {
                span = Duration.between(first, last);
            }
            StringBuilder out = new StringBuilder();
            out.append("# JFR: ").append(title).append("\n\n");
            out.append(String.format("Recording `%s` (settings=profile, %.1f s): %d execution samples of Java code. "
                    + "GC: %d collections, %d ms of pauses (%.1f%% of the time).%n%n",
                    file.getFileName(), span.toMillis() / 1000.0, samples, collections, gcPause.toMillis(),
                    span.isZero() ? 0 : 100.0 * gcPause.toMillis() / span.toMillis()));
            out.append("| layer | self (top frame) | self, JDK time charged to its caller | inclusive (anywhere on the stack) |\n"
                    + "|---|---:|---:|---:|\n");
            List<String> layerNames = new ArrayList<>(LAYERS.keySet());
            layerNames.add("other");
            for (String layer : layerNames) {
                out.append(String.format("| %s | %s | %s | %s |%n", layer, pct(selfLayer.get(layer), samples),
                        pct(callerLayer.get(layer), samples), pct(inclusiveLayer.get(layer), samples)));
            }
            out.append("\n(Inclusive shares of Netty, Reactor and the JDK are near 100 % because event-loop threads start there.)\n\n");
            final int sampleCount = samples;
            out.append("Hottest methods (self):\n\n| method | self |\n|---|---:|\n");
            top(self, 25).forEach(e -> out.append(String.format("| `%s` | %s |%n", e.getKey(), pct(e.getValue(), sampleCount))));
            out.append("\nThe gateway's own packages (inclusive: a frame of the package anywhere on the stack):\n\n"
                    + "| package | inclusive |\n|---|---:|\n");
            top(ownPackages, 20).forEach(e -> out.append(String.format("| `%s` | %s |%n", e.getKey(), pct(e.getValue(), sampleCount))));
            out.append("\nThe gateway's own methods (inclusive: on the stack):\n\n| method | inclusive |\n|---|---:|\n");
            top(ownInclusive, 20).forEach(e -> out.append(String.format("| `%s` | %s |%n", e.getKey(), pct(e.getValue(), sampleCount))));
            // Threads seen once were started during the recording (their count began at 0) or ended in it.
            long threadBytes = threadAllocated.values().stream().mapToLong(a -> a[0] == a[1] ? 0 : a[1] - a[0]).sum();
            double perRequest = requests > 0 ? threadBytes / (double) requests : 0;
            if (requests > 0) {
                out.append(String.format("%nAllocated: %,.0f MB over %,d requests, **%.1f KB per request** (all threads, "
                        + "jdk.ThreadAllocationStatistics at the recording's start and end; JFR's own threads left out).%n", threadBytes / 1e6, requests,
                        perRequest / 1024));
            }
            final double total = allocated;
            String perRequestColumn = requests > 0 ? " | ≈ bytes/req" : "";
            String perRequestAlign = requests > 0 ? "---:|" : "";
            out.append("\nAllocation by the first frame outside the JDK (share of the sampled allocation weight" + (requests > 0
                    ? "; bytes/req is that share of the measured total" : "") + "):\n\n"
                    + "| frame | share" + perRequestColumn + " |\n|---|---:|" + perRequestAlign + "\n");
            allocations.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(25)
                .forEach(e -> out.append(allocationRow(e, total, perRequest)));
            out.append("\nAllocation by the innermost frame of the gateway's own code (`dev.idempotency`) on the stack:\n\n"
                    + "| frame | share" + perRequestColumn + " |\n|---|---:|" + perRequestAlign + "\n");
            ownAllocations.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(20)
                .forEach(e -> out.append(allocationRow(e, total, perRequest)));
            return out.toString();
        }

        /** Each thread's earliest allocation sample (a recording is not read in time order). */
        private static Map<Long, java.time.Instant> firstSamples(Path file) throws IOException {
            Map<Long, java.time.Instant> first = new HashMap<>();
            try (RecordingFile recording = new RecordingFile(file)) {
                while (recording.hasMoreEvents()) {
                    RecordedEvent event = recording.readEvent();
                    if (event.getEventType().getName().equals("jdk.ObjectAllocationSample") && event.getThread("eventThread") != null) {
                        first.merge(event.getThread("eventThread").getId(), event.getStartTime(), (a, b) -> a.isBefore(b) ? a : b);
                    }
                }
            }
            return first;
        }

        private static boolean isRecorder(jdk.jfr.consumer.RecordedThread thread) {
            String name = thread.getJavaName();
            return name != null && (name.equals("Attach Listener") || name.startsWith("JFR "));
        }

        private static String allocationRow(Map.Entry<String, Double> e, double total, double perRequest) {
            double share = e.getValue() / total;
            return perRequest > 0 ? String.format("| `%s` | %.1f%% | %.0f |%n", e.getKey(), 100 * share, share * perRequest)
                    : String.format("| `%s` | %.1f%% |%n", e.getKey(), 100 * share);
        }

        /** The innermost frame of dev.idempotency, or "(none: not the gateway's code)". */
        private static String firstGatewayFrame(RecordedStackTrace stack) {
            for (RecordedFrame frame : stack.getFrames()) {
                String className = frame.getMethod().getType().getName();
                if (className.startsWith("dev.idempotency.") && !className.contains("$$Lambda")) {
                    return name(frame);
                }
            }
            return "(none: no frame of the gateway's code)";
        }

        /** The layer of the first frame outside the JDK: who asked for the JDK work. */
        private static String callerLayer(List<RecordedFrame> frames) {
            for (RecordedFrame frame : frames) {
                String layer = layer(frame.getMethod().getType().getName());
                if (!layer.equals("JDK")) {
                    return layer;
                }
            }
            return "JDK";
        }

        private static String firstOwnFrame(RecordedStackTrace stack) {
            for (RecordedFrame frame : stack.getFrames()) {
                String className = frame.getMethod().getType().getName();
                if (!className.startsWith("java.") && !className.startsWith("jdk.") && !className.startsWith("sun.")) {
                    return name(frame);
                }
            }
            return stack.getFrames().isEmpty() ? "?" : name(stack.getFrames().get(0));
        }

        private static String name(RecordedFrame frame) {
            String className = frame.getMethod().getType().getName();
            return className.substring(className.lastIndexOf('.') + 1) + "." + frame.getMethod().getName()
                    + " (" + className.substring(0, Math.max(0, className.lastIndexOf('.'))) + ")";
        }

        private static List<Map.Entry<String, Integer>> top(Map<String, Integer> counts, int n) {
            return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n).toList();
        }

        private static String pct(Integer count, int total) {
            return count == null || total == 0 ? "–" : String.format("%.1f%%", 100.0 * count / total);
        }
    }

    /** Gateway RSS over a long run: flat, or growing. */
    static final class RssReport {

        /** Flat: the least-squares slope over the second half of the run stays within 1 MB per minute. */
        static final double FLAT_MB_PER_MINUTE = 1.0;

        static String markdown(Records records, Path samplesFile) throws IOException {
            List<double[]> samples = new ArrayList<>();
            for (String line : Files.readAllLines(samplesFile)) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2 && !parts[1].isEmpty()) {
                    samples.add(new double[] { Double.parseDouble(parts[0]), Double.parseDouble(parts[1]) / 1024 });
                }
            }
            double end = samples.get(samples.size() - 1)[0];
            List<double[]> secondHalf = samples.stream().filter(s -> s[0] >= end / 2).toList();
            double slope = slopePerMinute(secondHalf);
            double maxFirstHalf = samples.stream().filter(s -> s[0] < end / 2).mapToDouble(s -> s[1]).max().orElse(Double.NaN);
            double maxSecondHalf = secondHalf.stream().mapToDouble(s -> s[1]).max().orElse(Double.NaN);
            // flat: no trend in the second half, or no new high after the first half (the heap had grown to its size)
            boolean flat = slope <= FLAT_MB_PER_MINUTE || maxSecondHalf <= maxFirstHalf;
            StringBuilder out = new StringBuilder();
            out.append("# Gateway RSS over a long run\n\n");
            out.append(String.format("Command: `%s`, %s. Load average before: %s; after: %s. **wrk, the upstream, Redis and the "
                    + "gateway share the same %s cores.**%n%n", records.meta("command", "bench/run --rss"), records.meta("started", "?"),
                    records.meta("load_before", "?"), records.meta("load_after", "?"), records.meta("cores", "?")));
            out.append(String.format("Gateway JVM `%s`, Redis store. Load: two wrk processes at once for %.0f minutes, "
                    + "each `-t1 -c32`: new keys on the idempotent route (scenario 4) and replays of %s stored keys (scenario 5). "
                    + "RSS (`VmRSS`) sampled every 10 s.%n%n", records.meta("gateway_java_opts", "?"), end / 60, records.meta("pool", "?")));
            String limit = records.meta("gateway_memory_limit", "");
            if (!limit.isEmpty()) {
                out.append(String.format("The gateway JVM ran in a memory cgroup limited to %s bytes (%.0f MiB), as a Kubernetes "
                        + "memory limit puts a container: the JVM chose `%s` and a %s-byte heap from it, and the kernel would "
                        + "kill it past the limit (OOM kills: %s).%n%n", limit, Double.parseDouble(limit) / 1048576,
                        records.meta("gateway_gc", "?"), records.meta("gateway_max_heap", "?"), records.meta("gateway_oom_kills", "?")));
            }
            else if (!records.meta("gateway_gc", "").isEmpty()) {
                out.append(String.format("The JVM chose `%s` and a %s-byte heap (no memory limit: the machine's memory decides).%n%n",
                        records.meta("gateway_gc", "?"), records.meta("gateway_max_heap", "?")));
            }
            for (Map<String, String> w : records.kind("rss")) {
                double errors = num(w, "errors_connect") + num(w, "errors_read") + num(w, "errors_write") + num(w, "errors_status")
                        + num(w, "errors_timeout");
                out.append(String.format("- scenario %s: %,.0f requests, %,.0f req/s, p99 %.2f ms, %.0f errors%s%n", w.get("scenario"),
                        num(w, "requests"), num(w, "requests") / (num(w, "duration_us") / 1e6), num(w, "p99_us") / 1000, errors,
                        w.containsKey("statuses") ? " (statuses " + w.get("statuses") + ")" : ""));
            }
            out.append(String.format("%n**Verdict:** %s: RSS slope over the second half %+.2f MB/min; highest %.0f MB in the first "
                    + "half, %.0f MB in the second, %.0f MB at the end (flat: a slope of at most %.0f MB/min over the second half, "
                    + "or no new high in it).%n%n", flat ? "flat (met)" : "growing (not met)", slope, maxFirstHalf, maxSecondHalf,
                    samples.get(samples.size() - 1)[1], FLAT_MB_PER_MINUTE));
            out.append("| minute | RSS MB |\n|---:|---:|\n");
            double nextMinute = 0;
            for (double[] sample : samples) {
                if (sample[0] >= nextMinute * 60) {
                    out.append(String.format("| %.1f | %.0f |%n", sample[0] / 60, sample[1]));
                    nextMinute = Math.floor(sample[0] / 60) + 1;
                }
            }
            return out.toString();
        }

        private static double slopePerMinute(List<double[]> samples) {
            int n = samples.size();
            if (n < 2) {
                return Double.NaN;
            }
            double mx = samples.stream().mapToDouble(s -> s[0]).average().orElse(0);
            double my = samples.stream().mapToDouble(s -> s[1]).average().orElse(0);
            double sxy = 0;
            double sxx = 0;
            for (double[] s : samples) {
                sxy += (s[0] - mx) * (s[1] - my);
                sxx += (s[0] - mx) * (s[0] - mx);
            }
            return sxy / sxx * 60;
        }
    }

    /** JMH's CSV results as a Markdown table, with allocation per operation from -prof gc. */
    static final class JmhReport {

        static String markdown(Path csv, String command, String load) throws IOException {
            List<String> lines = Files.readAllLines(csv);
            List<String> header = parseCsv(lines.get(0));
            Map<String, String[]> scores = new LinkedHashMap<>();
            Map<String, String> allocation = new HashMap<>();
            for (String line : lines.subList(1, lines.size())) {
                List<String> cells = parseCsv(line);
                StringBuilder params = new StringBuilder();
                for (int i = 7; i < cells.size(); i++) {
                    if (!cells.get(i).isEmpty()) {
                        params.append(params.length() == 0 ? " (" : ", ")
                            .append(header.get(i).replace("Param: ", "")).append('=').append(cells.get(i));
                    }
                }
                if (params.length() > 0) {
                    params.append(')');
                }
                String name = cells.get(0);
                String shortName = name.replace("dev.idempotency.bench.jmh.", "");
                if (shortName.endsWith(":gc.alloc.rate.norm")) {
                    allocation.put(shortName.replace(":gc.alloc.rate.norm", "") + params, cells.get(4));
                }
                else if (!shortName.contains(":")) {
                    scores.put(shortName + params, new String[] { cells.get(4), cells.get(5), cells.get(6) });
                }
            }
            StringBuilder out = new StringBuilder("# JMH micro-benchmarks of the per-request core code\n\n");
            out.append(String.format("Command: `%s` (JMH 1.37, 1 fork, 3 × 1 s warm-up, 5 × 1 s measurement, `-prof gc`). "
                    + "Load average before: %s. The machine has 2 cores; nothing else of the harness runs meanwhile.%n%n", command, load));
            out.append("| benchmark | score | ± (99.9%) | unit | allocated B/op |\n|---|---:|---:|---|---:|\n");
            scores.forEach((name, s) -> out.append(String.format("| `%s` | %s | %s | %s | %s |%n", name, fmt(s[0]), fmt(s[1]), s[2],
                    fmt(allocation.getOrDefault(name, "")))));
            return out.toString();
        }

        private static String fmt(String number) {
            if (number.isEmpty() || number.equals("NaN")) {
                return "–";
            }
            double value = Double.parseDouble(number);
            return value >= 100 ? String.format("%,.0f", value) : String.format("%.1f", value);
        }

        private static List<String> parseCsv(String line) {
            List<String> cells = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            boolean quoted = false;
            for (char c : line.toCharArray()) {
                if (c == '"') {
                    quoted = !quoted;
                }
                else if (c == ',' && !quoted) {
                    cells.add(cell.toString());
                    cell.setLength(0);
                }
                else {
                    cell.append(c);
                }
            }
            cells.add(cell.toString());
            return cells;
        }
    }
}
