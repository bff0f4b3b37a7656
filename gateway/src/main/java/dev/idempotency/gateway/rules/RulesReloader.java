package dev.idempotency.gateway.rules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.MutablePropertySources;

/**
 * Watches the rules location: every {@code idempotency.rules.reload-interval} it hashes the
 * visible rule files; on a change it loads and checks them like startup does. Broken rules are
 * logged (one ERROR line) and the old rules stay; valid rules replace the property source, then
 * {@link EnvironmentChangeEvent} makes spring-cloud-context rebind the properties beans
 * ({@code GatewayProperties}, {@code idempotency.defaults.*}...) and {@link RefreshRoutesEvent}
 * makes Spring Cloud Gateway rebuild its routes. A request in flight keeps the route and filter
 * instances it started with; only new requests see the new rules. If the routes cannot be built
 * after all, the previous rules are put back.
 */
final class RulesReloader implements SmartLifecycle, ApplicationListener<RefreshRoutesResultEvent> {

    private static final Log logger = LogFactory.getLog(RulesReloader.class);

    /** What a reload changes at once; everything else in a rules file is read at startup only. */
    private static final List<String> RELOADABLE = List.of(RuleSetReader.ROUTES, RuleSetReader.DEFAULT_FILTERS,
            "idempotency.defaults", "idempotency.rate-limit.defaults");

    private final ConfigurableApplicationContext context;

    private final RulesProperties properties;

    private final AtomicReference<RefreshRoutesResultEvent> lastRefresh = new AtomicReference<>();

    private ScheduledExecutorService executor;

    private volatile String lastSeen;

    private volatile List<RuleProblem> lastRejection = List.of();

    private volatile int reloads;

    RulesReloader(ConfigurableApplicationContext context, RulesProperties properties) {
        this.context = context;
        this.properties = properties;
    }

    @Override
    public synchronized void start() {
        RulesPropertySource current = RulesPropertySource.find(this.context.getEnvironment().getPropertySources());
        Duration interval = this.properties.getReloadInterval();
        if (current == null || interval == null || interval.isZero() || interval.isNegative()) {
            return;
        }
        this.lastSeen = current.rules().fingerprint();
        this.executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "rules-reload");
            thread.setDaemon(true);
            return thread;
        });
        this.executor.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (this.executor != null) {
            this.executor.shutdownNow();
            this.executor = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return this.executor != null;
    }

    @Override
    public void onApplicationEvent(RefreshRoutesResultEvent event) {
        this.lastRefresh.set(event);
    }

    private void poll() {
        try {
            check();
        }
        catch (RuntimeException ex) {
            logger.error("rules reload failed, the previous rules stay in force", ex);
        }
    }

    /** Looks at the rules once, now. */
    synchronized void check() {
        String location = this.properties.getLocation();
        String fingerprint = RuleFiles.fingerprintOf(location);
        if (fingerprint == null || fingerprint.equals(this.lastSeen)) {
            return;
        }
        RuleSet rules;
        try {
            rules = RuleSet.load(location);
        }
        catch (RulesValidationException ex) {
            reject(fingerprint, location, ex.getProblems());
            return;
        }
        if (!rules.fingerprint().equals(fingerprint)) {
            return; // written while being read (an editor, a ConfigMap swap): look again next time
        }
        MutablePropertySources candidate = new MutablePropertySources();
        this.context.getEnvironment().getPropertySources().stream()
            .filter(source -> !ConfigurationPropertySources.isAttachedConfigurationPropertySource(source))
            .forEach(candidate::addLast);
        RulesPropertySource.install(candidate, rules);
        List<RuleProblem> problems = new RulesValidator(RuleFactories.of(this.context)).validate(candidate,
                rules.routeFiles());
        if (!problems.isEmpty()) {
            reject(fingerprint, location, problems);
            return;
        }
        this.lastSeen = fingerprint;
        apply(rules);
    }

    private void apply(RuleSet rules) {
        MutablePropertySources sources = this.context.getEnvironment().getPropertySources();
        RulesPropertySource previous = RulesPropertySource.install(sources, rules);
        Set<String> keys = changedKeys(previous != null ? previous.getSource() : Map.of(), rules.properties());
        if (keys.isEmpty()) {
            return;
        }
        try {
            refresh(keys);
        }
        catch (RuntimeException ex) {
            RulesPropertySource.restore(sources, previous);
            refresh(keys);
            reject(rules.fingerprint(), rules.location(),
                    List.of(RuleProblem.of("the routes cannot be built: " + RuleArgumentBinder.rootMessage(ex))));
            return;
        }
        this.reloads++;
        this.lastRejection = List.of();
        logger.info("rules reloaded: " + rules.routeCount() + " routes from " + String.join(", ", rules.fileNames()));
        List<String> restartOnly = keys.stream().filter(key -> RELOADABLE.stream().noneMatch(prefix -> within(key, prefix)))
            .toList();
        if (!restartOnly.isEmpty()) {
            logger.warn("rules changed " + restartOnly + ", which take effect only after a restart");
        }
    }

    private void refresh(Set<String> keys) {
        this.context.publishEvent(new EnvironmentChangeEvent(this.context, keys));
        // The rebinder cannot empty a list whose properties are gone; bind the route lists afresh.
        this.context.getBeanProvider(GatewayProperties.class).ifAvailable(gateway -> {
            Binder binder = Binder.get(this.context.getEnvironment());
            gateway.setRoutes(new ArrayList<>(
                    binder.bind(RuleSetReader.ROUTES, Bindable.listOf(RouteDefinition.class)).orElseGet(List::of)));
            gateway.setDefaultFilters(new ArrayList<>(binder
                .bind(RuleSetReader.DEFAULT_FILTERS, Bindable.listOf(FilterDefinition.class)).orElseGet(List::of)));
        });
        this.lastRefresh.set(null);
        this.context.publishEvent(new RefreshRoutesEvent(this));
        RefreshRoutesResultEvent result = this.lastRefresh.get();
        if (result != null && !result.isSuccess()) {
            throw new IllegalStateException(RuleArgumentBinder.rootMessage(result.getThrowable()), result.getThrowable());
        }
    }

    private void reject(String fingerprint, String location, List<RuleProblem> problems) {
        this.lastSeen = fingerprint;
        this.lastRejection = problems;
        logger.error("rules in " + location + " rejected, the previous rules stay in force: "
                + problems.stream().map(RuleProblem::toString).collect(Collectors.joining("; ")));
    }

    private static Set<String> changedKeys(Map<String, Object> before, Map<String, Object> after) {
        Set<String> keys = new TreeSet<>();
        before.forEach((key, value) -> {
            if (!after.containsKey(key) || !Objects.equals(String.valueOf(value), String.valueOf(after.get(key)))) {
                keys.add(key);
            }
        });
        after.keySet().stream().filter(key -> !before.containsKey(key)).forEach(keys::add);
        return keys;
    }

    private static boolean within(String key, String prefix) {
        String canonicalKey = key.toLowerCase(Locale.ROOT).replace("-", "");
        String canonicalPrefix = prefix.toLowerCase(Locale.ROOT).replace("-", "");
        return canonicalKey.equals(canonicalPrefix) || canonicalKey.startsWith(canonicalPrefix + ".")
                || canonicalKey.startsWith(canonicalPrefix + "[");
    }

    int reloads() {
        return this.reloads;
    }

    List<RuleProblem> lastRejection() {
        return this.lastRejection;
    }
}
