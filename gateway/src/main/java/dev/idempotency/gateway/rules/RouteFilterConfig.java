package dev.idempotency.gateway.rules;

import org.springframework.beans.BeanUtils;
import org.springframework.cloud.gateway.support.HasRouteId;

/**
 * What the arguments of this gateway's route filters share: the route they belong to, the
 * identity source that names the client, whether requests go through while the filter's store is
 * unreachable, and the copy each route starts from.
 *
 * @param <C> the filter's own config class, which its fluent setters return
 */
public abstract class RouteFilterConfig<C extends RouteFilterConfig<C>> implements HasRouteId {

    private String routeId;

    private boolean failOpen;

    private String clientIdentity;

    protected RouteFilterConfig(boolean failOpen) {
        this.failOpen = failOpen;
    }

    /**
     * A fresh config holding these values: what each route starts from ({@code newConfig()}: the
     * global defaults) before its args override them. Copied through the setters, which copy
     * collections, so binding a route never changes the defaults.
     */
    @SuppressWarnings("unchecked")
    public C copy() {
        C copy = (C) BeanUtils.instantiateClass(getClass());
        BeanUtils.copyProperties(this, copy);
        return copy;
    }

    @SuppressWarnings("unchecked")
    protected final C self() {
        return (C) this;
    }

    @Override
    public void setRouteId(String routeId) {
        this.routeId = routeId;
    }

    @Override
    public String getRouteId() {
        return this.routeId;
    }

    public boolean isFailOpen() {
        return this.failOpen;
    }

    /** Let requests through while the filter's store is unreachable, instead of answering 503. */
    public C setFailOpen(boolean failOpen) {
        this.failOpen = failOpen;
        return self();
    }

    public String getClientIdentity() {
        return this.clientIdentity;
    }

    /**
     * The identity source that names the client on this route: one of
     * {@code idempotency.client-identities}; unset, {@code idempotency.client-identity}. A route
     * with both filters gives them the same one.
     */
    public C setClientIdentity(String clientIdentity) {
        this.clientIdentity = clientIdentity;
        return self();
    }
}
