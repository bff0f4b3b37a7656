package dev.idempotency.gateway.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.idempotency.gateway.chaos.ChaosHistory.Order;
import dev.idempotency.gateway.chaos.ChaosHistory.Window;
import dev.idempotency.gateway.chaos.ChaosStore.FaultPause;
import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.web.PendingStores;

/**
 * One run of the fault checker: the Redis of {@link ChaosSettings#topology()} (by default a
 * durable standalone Redis), the chaos upstream, two gateway instances on them, the clients, and
 * two fault injectors (Redis killed and restarted, or a master killed and failed over; a gateway
 * instance killed and replaced) for {@link ChaosSettings#duration()}; then every order is driven to
 * a definite answer, faults stopped, and a sample of answered orders is retried once more.
 */
final class ChaosRun implements AutoCloseable {

    static final String ROUTE_ID = "chaos";

    /** The checker route's upstream response timeout (route metadata {@code response-timeout}). */
    static final int RESPONSE_TIMEOUT_MS = 1000;

    /** The checker route's in-flight lease: short, so keys of dead requests free up quickly. */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(2);

    /** How long a client keeps retrying one order before it counts as lost. */
    static final Duration ORDER_DEADLINE = Duration.ofSeconds(40);

    static final Duration PATIENT_TIMEOUT = Duration.ofSeconds(20);

    /**
     * Orders answered this long before a master was killed are all swept (retried at the end), so
     * that a result lost further back than the checker's replication lag would show as a violation.
     */
    static final Duration SWEEP_BEFORE_KILL = Duration.ofSeconds(5);

    private final ChaosSettings settings;

    private final ChaosHistory history = new ChaosHistory();

    private final ChaosStore store;

    private final ChaosUpstream upstream;

    private final List<Instance> live = new CopyOnWriteArrayList<>();

    private final List<Instance> all = new CopyOnWriteArrayList<>();

    private final AtomicInteger instanceIds = new AtomicInteger();

    private volatile long loadEndNanos;

    private volatile boolean faulting;

    private volatile int recordsFoundByName = -1;

    ChaosRun(ChaosSettings settings) {
        this.settings = settings;
        ChaosSettlements.reset();
        this.store = ChaosStore.launch(settings);
        this.upstream = new ChaosUpstream();
        try {
            startInstance();
            startInstance();
        }
        catch (RuntimeException ex) {
            close();
            throw ex;
        }
    }

    ChaosHistory history() {
        return this.history;
    }

    ChaosUpstream upstream() {
        return this.upstream;
    }

    long loadEndNanos() {
        return this.loadEndNanos;
    }

    int instancesStarted() {
        return this.all.size();
    }

    /** See {@link ChaosStore#recordsFoundByName}: of the first 20 answered orders, after the sweep. */
    int recordsFoundByName() {
        return this.recordsFoundByName;
    }

    /**
     * A gateway instance of the run; {@code id} appears in the history as {@code g<id>}. A
     * {@code graceful} one is stopped as by SIGTERM (requests in flight drained, pending background
     * stores flushed within a 5 s grace period); the others as by SIGKILL (connections cut, nothing
     * flushed).
     */
    record Instance(int id, GatewayInstance gateway, int port, boolean graceful) {
    }

    Instance pickInstance(Random random) {
        while (true) {
            List<Instance> instances = List.copyOf(this.live);
            if (!instances.isEmpty()) {
                return instances.get(random.nextInt(instances.size()));
            }
            ChaosClient.sleep(50);
        }
    }

    private Instance startInstance() {
        int id = this.instanceIds.incrementAndGet();
        // Alternating, so that every run with two kills or more has both kinds.
        boolean graceful = id % 2 == 1;
        List<String> properties = new ArrayList<>(Routes.create()
            .route(ROUTE_ID, this.upstream.baseUrl()).path("/chaos/**").metadata("response-timeout", RESPONSE_TIMEOUT_MS)
            .filter("Idempotency", routeArgs())
            .properties());
        properties.addAll(this.store.gatewayProperties());
        if (this.settings.replicaAcks()) {
            // A missing acknowledgement is logged (WARN, at most once a second per instance): the run's output counts them.
            properties.addAll(List.of("idempotency.redis.replica-acks=1", "idempotency.redis.replica-ack-timeout=1s",
                    "logging.level.dev.idempotency.gateway.store.redis.ReplicaAcknowledgedCompletions=WARN"));
        }
        properties.addAll(List.of(
                // SIGKILL: close() cuts in-flight requests and gives up pending stores at once.
                // SIGTERM: close() drains and flushes, within the grace period.
                graceful ? "server.shutdown=graceful" : "server.shutdown=immediate",
                graceful ? "spring.lifecycle.timeout-per-shutdown-phase=5s" : "spring.lifecycle.timeout-per-shutdown-phase=0s",
                "logging.level.dev.idempotency=ERROR", "logging.level.reactor.netty=ERROR",
                "logging.level.io.lettuce=ERROR", "logging.level.org.springframework.cloud.gateway=ERROR",
                // One audit line per request would be most of a long run's output.
                "logging.level.idempotency.audit=WARN"));
        GatewayInstance gateway = GatewayInstance.start(properties, ChaosSettlements.Registration.class);
        Instance instance = new Instance(id, gateway, gateway.port(), graceful);
        this.all.add(instance);
        this.live.add(instance);
        return instance;
    }

    private Map<String, Object> routeArgs() {
        Map<String, Object> args = new LinkedHashMap<>(Map.of("lockTimeout", LOCK_TIMEOUT.toMillis() + "ms",
                "maxResponseBodySize", "2KB", "ttl", "2h"));
        if (this.settings.concurrent() != null) {
            args.put("concurrent", this.settings.concurrent());
        }
        return args;
    }

    /** Runs the load with faults, lets every order finish, then sweeps; returns when the history is complete. */
    void execute() throws InterruptedException {
        this.history.started();
        this.loadEndNanos = System.nanoTime() + this.settings.duration().toNanos();
        this.faulting = true;
        Thread redisFaults = new Thread(this::failRedisNowAndThen, "chaos-redis-faults");
        Thread gatewayFaults = new Thread(this::killGatewaysNowAndThen, "chaos-gateway-faults");
        ExecutorService doubleClicks = Executors.newCachedThreadPool();
        List<ChaosClient> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < this.settings.clients(); i++) {
            ChaosClient client = new ChaosClient(i, this.settings.seed(), this, doubleClicks);
            clients.add(client);
            threads.add(new Thread(client, "chaos-client-" + i));
        }
        redisFaults.start();
        gatewayFaults.start();
        threads.forEach(Thread::start);

        ChaosClient.sleep(this.settings.duration().toMillis());
        this.faulting = false;
        redisFaults.join();
        gatewayFaults.join();
        for (Thread thread : threads) {
            thread.join(ORDER_DEADLINE.plusSeconds(30).toMillis());
        }
        doubleClicks.shutdownNow();

        // After the lease of anything cut off has run out, every answered order must still be answered the same.
        ChaosClient.sleep(LOCK_TIMEOUT.toMillis() + 1000);
        sweep(clients.get(0));
        this.recordsFoundByName = this.store.recordsFoundByName(
                this.history.orders.stream().filter(Order::answered).limit(20).toList());
        // Stragglers: upstream calls still finishing for requests whose client left.
        ChaosClient.sleep(RESPONSE_TIMEOUT_MS + 1000);
    }

    private void sweep(ChaosClient client) throws InterruptedException {
        List<Order> answered = new ArrayList<>(this.history.orders.stream().filter(Order::answered).toList());
        // Distinct orders: two sweeps of one key at once would only race each other into a 409.
        Collections.shuffle(answered, new Random(this.settings.seed()));
        Set<Order> swept = new LinkedHashSet<>(answered.stream().limit(this.settings.sweep()).toList());
        // A failover loses only what the killed master had not replicated, and only a retry shows it.
        answered.stream().filter(this::nearAFailover).forEach(order -> {
            if (swept.add(order)) {
                this.history.sweptNearFailover.incrementAndGet();
            }
        });
        ExecutorService sweepers = Executors.newFixedThreadPool(8);
        swept.forEach(order -> sweepers.execute(() -> client.sweep(order)));
        sweepers.shutdown();
        sweepers.awaitTermination(2, TimeUnit.MINUTES);
    }

    /** Whether the order was placed or answered from {@link #SWEEP_BEFORE_KILL} before a master's kill until its replica took over. */
    private boolean nearAFailover(Order order) {
        return this.history.failovers.stream().anyMatch(failover -> order.startNanos() <= failover.toNanos()
                && order.endNanos() >= failover.fromNanos() - SWEEP_BEFORE_KILL.toNanos());
    }

    private void failRedisNowAndThen() {
        Random random = new Random(this.settings.seed() ^ 0x7ED15);
        FaultPause pause = this.store.pause();
        while (pause(random, pause.minMillis(), pause.maxMillis())) {
            try {
                this.store.fault(random, this.history);
            }
            catch (RuntimeException ex) {
                // The checker fails the run with it: faults stopped early prove less than they seem to.
                this.history.faultFailures.add(this.history.at(System.nanoTime()) + " " + ex);
                return;
            }
        }
    }

    private void killGatewaysNowAndThen() {
        Random random = new Random(this.settings.seed() ^ 0x6A7E);
        while (pause(random, 9_000, 15_000)) {
            Instance replacement = startInstance();
            List<Instance> others = this.live.stream().filter(instance -> instance != replacement).toList();
            boolean graceful = this.history.gatewayKills.size() % 2 == 0;
            List<Instance> ofKind = others.stream().filter(instance -> instance.graceful() == graceful).toList();
            List<Instance> candidates = ofKind.isEmpty() ? others : ofKind;
            Instance victim = candidates.get(random.nextInt(candidates.size()));
            PendingStores pending = victim.gateway().context().getBean(PendingStores.class);
            long from = System.nanoTime();
            victim.gateway().close();
            this.live.remove(victim);
            (victim.graceful() ? this.history.gracefulStops : this.history.sigkills).incrementAndGet();
            long givenUp = pending.abandoned();
            this.history.storesGivenUpAtStop.addAndGet(givenUp);
            this.history.storesGivenUpByInstance.put(victim.id(), givenUp);
            this.history.gatewayKills.add(new Window(victim.id(), from, System.nanoTime()));
        }
    }

    /** Sleeps a random while; false once the fault phase is over. */
    private boolean pause(Random random, int minMillis, int maxMillis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(minMillis + random.nextInt(maxMillis - minMillis));
        while (System.nanoTime() < until) {
            if (!this.faulting) {
                return false;
            }
            ChaosClient.sleep(100);
        }
        return this.faulting;
    }

    @Override
    public void close() {
        for (Instance instance : this.live) {
            instance.gateway().close();
        }
        this.upstream.close();
        this.store.close();
    }
}
