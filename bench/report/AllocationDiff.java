import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Bytes allocated per request by frame, in two JFR recordings of bench/run --jfr, side by side:
 * where scenario 3 allocates more than bare SCG (0), or 4 more than 3. Best with recordings taken
 * with JFR_OPTIONS=allocation-profiling=maximum and GATEWAY_JAVA_OPTS="-XX:TLABSize=8k -XX:-ResizeTLAB
 * -XX:FlightRecorderOptions:stackdepth=256" (a sample every 8 KB, whole stacks). REQUESTS is in the
 * summary's "Allocated" line.
 *
 * <pre>
 * java bench/report/AllocationDiff.java A.jfr REQUESTS_A B.jfr REQUESTS_B [incl|top|class]
 * </pre>
 *
 * incl: every method on the stack (inclusive); top: the first frame outside the JDK; class: the
 * allocated class. Printed: bytes/req in A, in B, and A − B, largest differences first.
 */
public class AllocationDiff {

    public static void main(String[] args) throws Exception {
        String mode = args.length > 4 ? args[4] : "incl";
        Map<String, Double> a = perRequest(Path.of(args[0]), Long.parseLong(args[1]), mode);
        Map<String, Double> b = perRequest(Path.of(args[2]), Long.parseLong(args[3]), mode);
        Set<String> frames = new HashSet<>(a.keySet());
        frames.addAll(b.keySet());
        int limit = Integer.getInteger("n", 60);
        frames.stream()
            .sorted(Comparator.comparingDouble(f -> -Math.abs(a.getOrDefault(f, 0.0) - b.getOrDefault(f, 0.0))))
            .limit(limit)
            .forEach(f -> System.out.printf("%8.0f %8.0f %+8.0f  %s%n", a.getOrDefault(f, 0.0), b.getOrDefault(f, 0.0),
                    a.getOrDefault(f, 0.0) - b.getOrDefault(f, 0.0), f));
    }

    static Map<String, Double> perRequest(Path file, long requests, String mode) throws Exception {
        Map<Long, Instant> first = new HashMap<>();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                if (e.getEventType().getName().equals("jdk.ObjectAllocationSample") && e.getThread("eventThread") != null) {
                    first.merge(e.getThread("eventThread").getId(), e.getStartTime(), (x, y) -> x.isBefore(y) ? x : y);
                }
            }
        }
        Map<String, Double> weights = new HashMap<>();
        Map<Long, long[]> threads = new HashMap<>();
        double sampled = 0;
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                String type = e.getEventType().getName();
                if (type.equals("jdk.ThreadAllocationStatistics") && e.getThread("thread") != null && !recorder(e.getThread("thread"))) {
                    long bytes = e.getLong("allocated");
                    threads.merge(e.getThread("thread").getId(), new long[] { bytes, bytes },
                            (x, y) -> new long[] { Math.min(x[0], y[0]), Math.max(x[1], y[1]) });
                    continue;
                }
                // A thread's first sample weighs everything it allocated before: left out.
                if (!type.equals("jdk.ObjectAllocationSample") || e.getStackTrace() == null || e.getThread("eventThread") == null
                        || recorder(e.getThread("eventThread")) || e.getStartTime().equals(first.get(e.getThread("eventThread").getId()))) {
                    continue;
                }
                double weight = e.getLong("weight");
                sampled += weight;
                List<RecordedFrame> frames = e.getStackTrace().getFrames();
                switch (mode) {
                    case "incl" -> {
                        Set<String> seen = new LinkedHashSet<>();
                        frames.forEach(f -> seen.add(name(f)));
                        seen.forEach(f -> weights.merge(f, weight, Double::sum));
                    }
                    case "class" -> weights.merge(e.getClass("objectClass").getName(), weight, Double::sum);
                    default -> weights.merge(frames.stream().filter(f -> !jdk(f)).findFirst().map(AllocationDiff::name).orElse("?"),
                            weight, Double::sum);
                }
            }
        }
        double total = threads.values().stream().mapToLong(t -> t[1] - t[0]).sum();
        double perRequest = total / requests;
        System.out.printf("%s: %.1f KB per request%n", file.getFileName(), perRequest / 1024);
        double all = sampled;
        weights.replaceAll((frame, w) -> w / all * perRequest);
        return weights;
    }

    static boolean recorder(RecordedThread thread) {
        String name = thread.getJavaName();
        return name != null && (name.equals("Attach Listener") || name.startsWith("JFR "));
    }

    static boolean jdk(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        return type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.");
    }

    static String name(RecordedFrame frame) {
        String type = frame.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
    }
}
